// NoSQL injection: MongoDB query operators where a plain value belongs
// (`user[$ne]=`, `{"$gt": ""}`), and server-side JavaScript in `$where`.
import { firstMatch } from '../excerpt.js';
import type { ValueRule } from '../types.js';

// An operator works only as a key: a bracketed parameter name, an object
// key before `:`, or a whole value (a JSON key is inspected alone). In a
// sentence (`mongodb $in query`) it is a word.
const OPERATOR = /(?:^|[[{"'\s,])\$(?:ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|expr|or|and|nor|not|elemmatch|function|accumulator|lookup|text|jsonschema|size|type|mod|all)\b(?:\]|['"]?\s*:|\s*$)/i;
const SERVER_JS = /\bdb\s*\.\s*(?:\w+\s*\.\s*)?(?:find|drop|remove|insert|update|getcollection|eval)\s*\(|\bthis\s*\.\s*\w+\s*(?:==|!=|\.match\s*\()|\bsleep\s*\(\s*\d+\s*\)\s*(?:\|\||&&|;)/i;

/** Returns the NoSQL operator or server-side script in `text`, or null. */
export function detectNosqli(text: string): string | null {
  return (text.includes('$') ? firstMatch(OPERATOR, text) : null) ?? firstMatch(SERVER_JS, text);
}

export const nosqliRules: ValueRule[] = [{ class: 'nosqli', detector: 'nosqli.operator', test: detectNosqli }];
