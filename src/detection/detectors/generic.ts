// Code injection into runtimes other than PHP, Java and the shell: Node.js
// module loading and process access, JavaScript prototype pollution, Ruby
// and Perl code execution, and server-side template expressions.
import { excerpt, firstMatch } from '../excerpt.js';
import type { ValueRule } from '../types.js';
import { continuesAsProse } from './prose.js';

const NODE = /\brequire\s*\(\s*(?:['"`]\s*)?(?:child_process|fs|net|vm|os|http|https|dgram|cluster|worker_threads|process)\b|\bchild_process\b|\bprocess\s*\.\s*(?:mainmodule|binding|env|kill|exit|dlopen|_linkedbinding|getuid|cwd)\b|\b(?:mainmodule|constructor)\s*\.\s*(?:_load|require|constructor)\b|\._load\s*\(|\.constructor\s*\(\s*['"`]return|\bnew\s+function\s*\(|\bglobal\s*\.\s*process\b|\beval\s*\(\s*(?:require|process|atob|buffer)|\bbuffer\s*\.\s*from\s*\([^)]*['"]base64|\b(?:execsync|spawnsync|execfile|execfilesync)\s*\(|\.(?:spawn|fork|exec)\s*\(\s*['"`]/i;
const PROTOTYPE_POLLUTION = /__proto__|\bconstructor\s*(?:\.|\[\s*['"]?)\s*prototype\b|\[\s*['"]?(?:__proto__|prototype)['"]?\s*\]/i;
const RUBY_PERL = /\b(?:kernel\s*\.\s*(?:exec|system|spawn|open)|io\s*\.\s*popen|open3\s*\.\s*\w+|instance_eval|class_eval|module_eval|send\s*\(\s*:(?:system|exec|eval))|%x[({[]|\bsystem\s*\(\s*['"`]|\bqx\s*[({[/]|\buse\s+(?:socket|io::socket)|\bopen\s*\(\s*\w+\s*,\s*['"]\|/i;
// Server-side template expressions: Python object walks (`{{''.__class__}}`),
// arithmetic probes in any template syntax (`{{7*7}}`, `<%=7*7%>`, `${7*7}`),
// and Jinja, FreeMarker and ERB statements. Each body stops at the next
// opener of its kind, where a match can start too, so runs of openers are
// read in linear time.
const TEMPLATE = /\{\{(?:[^{}]|\{(?!\{)){0,40}?(?:__class__|__mro__|__subclasses__|__globals__|__builtins__|__import__|config\.items|request\.application|self\._|lipsum|cycler|joiner)|(?:<%=?|\$\{|#\{|\{\{=?|\[\[|\{%=?)\s*\d+\s*[*+]\s*\d+\s*(?:%>|\}\}?|\]\]|%\})|\{%\s*(?:import|include|set|for)\b(?:[^%{]|\{(?!%))*%\}|<#assign\b|\bfreemarker\.template\.utility\b/i;

// A loop whose condition is a constant that is true, which hangs a
// single-threaded runtime such as Node.js when the value is evaluated:
// `while(true)`, `while(!0)`, `while(!!{})`, `for(;;)`. Each `!` flips the
// constant's truth, so `while(!true)` ends at once and is not reported.
const CONSTANT_LOOP = /\bwhile\s*\(+\s*([!+\-~\s]*)(true|-?\d+|infinity|this|string|object|number|new\s+\w+|null|undefined|nan|""|''|``|\{\}|\[\]|false)\s*\)+\s*(?:;|\{|$)|\bfor\s*\(\s*;\s*;\s*\)/i;
const FALSY_CONSTANT = /^(?:false|-?0+|null|undefined|nan|""|''|``)$/i;

function endlessLoop(text: string): string | null {
  const match = CONSTANT_LOOP.exec(text);
  if (match === null) {
    return null;
  }
  if (match[2] !== undefined) {
    const negations = (match[1]!.match(/!/g) ?? []).length;
    const truthy = !FALSY_CONSTANT.test(match[2]) || match[1]!.includes('~');
    if (truthy === (negations % 2 === 1)) {
      return null;
    }
  }
  return firstMatch(CONSTANT_LOOP, text);
}

// Characters or words that every match of the pattern named before `_HINT` needs.
const RUBY_PERL_HINT = /[([{/%]|\buse\s|_eval/;
const TEMPLATE_HINT = /[{%[]|<#|freemarker/;

/** Returns Node.js, Ruby, Perl or template code, or an endless loop, in `text`; else null. */
export function detectGenericCode(text: string): string | null {
  return nodeCode(text)
    ?? (RUBY_PERL_HINT.test(text) ? firstMatch(RUBY_PERL, text) : null)
    ?? (TEMPLATE_HINT.test(text) ? firstMatch(TEMPLATE, text) : null)
    ?? (text.includes('while') || text.includes('for') ? endlessLoop(text) : null);
}

const NODE_ALL = new RegExp(NODE.source, 'gi');
// Words JavaScript allows after a complete member expression.
const SCRIPT_OPERATORS: ReadonlySet<string> = new Set(['in', 'instanceof']);

// JavaScript rejects a plain word right after a member expression on the
// same line, so `process.env.NODE_ENV to switch config` mentions the variable in a
// sentence. Form encoding sends that space as `+`, read here as a space.
function nodeCode(text: string): string | null {
  NODE_ALL.lastIndex = 0;
  for (let match = NODE_ALL.exec(text); match !== null; match = NODE_ALL.exec(text)) {
    const matchEnd = match.index + match[0].length;
    const end = matchEnd + /^[\w$.]*/.exec(text.slice(matchEnd))![0].length;
    if (match[0].endsWith('(') || !continuesAsProse(text.replaceAll('+', ' '), end, SCRIPT_OPERATORS)) {
      return excerpt(text, match.index, Math.max(match[0].length, 64));
    }
  }
  return null;
}

/** Returns a prototype-pollution key path in `text`, or null. */
export function detectPrototypePollution(text: string): string | null {
  return text.includes('proto') ? firstMatch(PROTOTYPE_POLLUTION, text) : null;
}

export const genericRules: ValueRule[] = [
  { class: 'generic', detector: 'generic.code', test: detectGenericCode },
  { class: 'generic', detector: 'generic.prototype_pollution', test: detectPrototypePollution },
];
