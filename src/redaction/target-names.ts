// Comparison of a parameter, header or cookie name met in traffic or in
// text with the names that redact rules list. Names compare
// case-insensitively after percent-decoding, and the nested forms that Rails
// and PHP parse into maps and lists count as each name they contain:
// `user[password]`, `token[]` and `a[b][token]` refer to `password` and
// `token` as well as for their base name. A name also refers to its last
// part after `.`, `_` or `-` and to the last word of a camelCase name:
// `spring.datasource.password`, `DATABASE_PASSWORD`, `db-password` and
// `dbPassword` refer to `password`, as secret scanners read such names. That can mask a harmless value whose name ends
// in a target, such as `page_token`, which is the safe side to err on.
import { decodeFormComponent } from './query.js';

export type TargetKind = 'header' | 'query_param' | 'cookie';

/** A redact rule's target that a name refers to. */
export interface TargetMatch {
  kind: TargetKind;
  /** The lower-case target name, as RedactionSpec lists it. */
  name: string;
}

/**
 * Longest name compared, in UTF-16 code units. A longer name is compared by
 * its last 128, so that the innermost bracket segment still counts.
 */
export const MAX_COMPARED_NAME_CHARS = 128;

/** Returns the lower-case names that `name` refers to: itself decoded, its base before `[`, and each bracket segment. */
export function nameVariants(name: string): string[] {
  const tail = name.length > MAX_COMPARED_NAME_CHARS ? name.slice(-MAX_COMPARED_NAME_CHARS) : name;
  const original = decodeFormComponent(tail);
  const decoded = original.toLowerCase();
  const variants = [decoded];

  const open = decoded.indexOf('[');
  if (open === -1) {
    addLastPart(variants, decoded);
    addLastCamelCaseWord(variants, original);
    return variants;
  }
  if (open > 0) {
    variants.push(decoded.slice(0, open));
  }

  let position = open;
  while (position !== -1) {
    const close = decoded.indexOf(']', position + 1);
    if (close === -1) {
      break;
    }
    const segment = decoded.slice(position + 1, close);
    if (segment !== '' && !segment.includes('[')) {
      variants.push(segment);
    }
    position = decoded.indexOf('[', close + 1);
  }
  for (const variant of variants.slice()) {
    addLastPart(variants, variant);
  }
  return variants;
}

const LAST_CAMEL_CASE_WORD = /[a-z0-9]([A-Z][a-z]+)$/;

/** Adds the last word of a camelCase name, such as `token` of `refreshToken`. */
function addLastCamelCaseWord(variants: string[], name: string): void {
  const word = LAST_CAMEL_CASE_WORD.exec(name)?.[1]?.toLowerCase();
  if (word !== undefined && !variants.includes(word)) {
    variants.push(word);
  }
}

/** Adds the part of `name` after its last `.`, `_` or `-`, when there is one; bracket forms give their segments instead. */
function addLastPart(variants: string[], name: string): void {
  if (name.includes('[')) {
    return;
  }
  const separator = Math.max(name.lastIndexOf('.'), name.lastIndexOf('_'), name.lastIndexOf('-'));
  if (separator === -1 || separator === name.length - 1) {
    return;
  }
  const part = name.slice(separator + 1);
  if (!variants.includes(part)) {
    variants.push(part);
  }
}
