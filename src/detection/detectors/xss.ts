// Cross-site scripting: markup or script that a browser would run if the
// value were echoed into a page. The checks read HTML structure (a tag, an
// attribute, a URL scheme) rather than fixed strings.
import { excerpt, firstMatch, wordPattern } from '../excerpt.js';
import type { ValueRule } from '../types.js';
import { continuesAsProse } from './prose.js';

// Elements that run script, load content or change where a page submits.
// Formatting tags (a, p, div, b) and media (img, video, audio, picture) are
// left to the attribute checks below, since rich-text fields carry them
// harmlessly: they run script only through an event handler or a script URL.
const ACTIVE_TAGS = ['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'svg', 'math', 'image', 'body', 'html', 'style', 'link', 'meta', 'base', 'form', 'input', 'button', 'details', 'marquee', 'isindex', 'xml', 'xss', 'animate', 'set', 'handler', 'layer', 'bgsound', 'template', 'plaintext', 'vmlframe', 'import', 'keygen', 'dialog', 'picture', 'portal', 'x'];
const OPEN_ACTIVE_TAG = new RegExp(`<\\s*(?:/\\s*)?(?::\\s*)?(?:${ACTIVE_TAGS.join('|')})(?=[\\s/>\\x00-\\x20]|$)`, 'i');

// An event handler attribute: `onerror=`, `onload =`, after a space, quote or slash.
const EVENT_HANDLER = /(?:^|[\s"'`/;+])(?:on[a-z]{3,}|formaction|srcdoc|xlink:href)\s*=/i;
// A tag name split by spaces (`<f o r m`) or behind a namespace prefix (`< x: script`), which lenient parsers join.
const OBFUSCATED_TAG = /<\s*(?:[a-z]\s+){2,}[a-z]\b|<\s*[a-z]+\s*:\s*[a-z]+/i;
// XML markup that loads external definitions: entities, DOCTYPE subsets, namespaces and schemas.
const XML_EXTERNAL = /!ENTITY\s+%?\s*\w+\s+(?:SYSTEM|PUBLIC)\b|<!DOCTYPE\s+\w+\s*\[|\bschemaLocation\s*=|<\??\s*import\s*implementation\s*=/i;
// A namespace declaration in a tag; tested once per tag (firstTag).
const XMLNS_TAG = /<[\w:-]+\s[^>]*\bxmlns(?::\w+)?\s*=/iy;
const XML_TAG_START = /<[\w:-]/g;
// DOM sources and sinks that reflected script reads or writes, after
// comments, spaces and `["name"]` member access are normalised to dots.
const DOM_ACCESS = /\b(?:document\.(?:cookie|domain|write|writeln|location|body|createelement|queryselector|getelementby\w+|forms|referrer|url)|window\.(?:location|document|alert|eval|open|name)|(?:self|top|this|parent|frames|globalthis)\.(?:alert|prompt|confirm|eval|document|location|\$)|\.(?:innerhtml|outerhtml|insertadjacenthtml|appendchild|textcontent)\b|location\.(?:href|hash|search|replace|assign))/i;
const DOM_NAMES = /document|window|self|top|this|parent|frames|globalthis|location|inner|outer|insertadjacent|appendchild|textcontent/i;
// JSFuck and similar: script written only with []()!+. A run of those
// characters counts when it has two `[]` or one of JSFuck's idioms. The runs
// are found first and then counted, because one pattern doing both
// backtracked over each start of a long run of `[`: 30 ms for 8 KiB.
const SYMBOL_RUN = /[[\]()!+]{4,}/g;
const SYMBOL_IDIOMS = ['+!![]', '(![]+[])'];

// Script-bearing URL schemes; browsers skip whitespace and control characters inside the scheme.
const SCRIPT_SCHEME = /(?:java|vb|live)[\s\x00-\x1f]*s[\s\x00-\x1f]*c[\s\x00-\x1f]*r[\s\x00-\x1f]*i[\s\x00-\x1f]*p[\s\x00-\x1f]*t[\s\x00-\x1f]*:|data\s*:\s*(?:text\/html|image\/svg(?![\w+.-]*;base64,)|application\/(?:x-)?javascript)|mocha:|livescript:/i;
// An SVG image in base64, as avatars and signatures are uploaded. It runs
// script only when the decoded document contains some, which is checked.
const BASE64_SVG = /data\s*:\s*image\/svg[\w+.-]*;base64,([A-Za-z0-9+/=\s]{0,8192})/i;

// Any tag followed by an attribute that runs script, e.g. `"><x onclick=`.
// `href`, `src` and `action` are left to the script-scheme check: a link to
// an https page is ordinary rich text.
const TAG_WITH_ATTRIBUTE = /<[a-z][\w:-]*[\s/][^>]*?(?:on[a-z]+|formaction|xlink:href|srcdoc|dynsrc|lowsrc)\s*=/iy;
// A style attribute that loads, runs or lays content over the page
// (`url(`, `expression(`, `position:fixed`). Colours and fonts, as rich-text
// editors write them, do neither.
const TAG_WITH_ACTIVE_STYLE = /<[a-z][\w:-]*[\s/][^>]*?style\s*=\s*["'`]?[^"'`>]*?(?:\(|\\|&#|@import|position\s*:\s*(?:fixed|absolute)|behaviou?r|binding)/iy;
// Start of an HTML tag: `<` and a letter.
const HTML_TAG_START = /<[a-z]/gi;
const CSS_EXPRESSION = /(?:expression|behaviou?r|-moz-binding)\s*[:(]|@import\s*(?:['"]\s*)?(?:url|javascript)|url\s*\(\s*(?:['"]\s*)?(?:javascript|vbscript)/i;

// Script sinks and sources that reflected payloads reach for.
// A `.` counts only before a member name: `top.` ends a sentence.
const SCRIPT_CALL = wordPattern(['alert', 'prompt', 'confirm', 'eval', 'settimeout', 'setinterval', 'string.fromcharcode', 'document.write', 'document.cookie', 'document.domain', 'window.location', 'document.location', 'atob', 'fetch', 'constructor.constructor', 'top'], String.raw`\s*(?:\(|` + '`' + String.raw`|\.(?=[\w$])|\[|=)`);
// The optional operator keeps its blanks, so a long run of blanks after a
// quote or bracket is read one way only.
const SCRIPT_CONTEXT_BREAK = /['"`;)}\]]\s*(?:[;+-]\s*)?(?:alert|prompt|confirm|eval)\s*[(`]/i;
// The body stops at the next `{{`, where a match can start too, so a run
// of openers is read once. With `[^}]` it rescanned 256 characters from
// each `{{` of 8 KiB of `{`, 5 ms.
const TEMPLATE_INJECTION = /\{\{(?:[^{}]|\{(?!\{)){0,256}?(?:constructor|\$on|\$eval|alert|\[|\()[^}]{0,256}\}\}/i;
const COMMENT_OR_CDATA = /<!\[CDATA\[|<!--[\s\S]*?(?:<|>)|<\?xml-stylesheet|<!ENTITY/i;

/** Returns the script-bearing part of `text`, or null. */
export function detectXss(text: string, location: string): string | null {
  if (!/[<:=(`{.[\]!]/.test(text)) {
    return null;
  }
  return firstMatch(OPEN_ACTIVE_TAG, text)
    ?? firstMatch(OBFUSCATED_TAG, text)
    ?? firstMatch(XML_EXTERNAL, text)
    ?? firstTag(text, XML_TAG_START, [XMLNS_TAG])
    ?? (location !== 'path' && (text.includes('.') || text.includes('[')) && DOM_NAMES.test(text) ? domAccess(normalizeScript(text)) : null)
    ?? (text.includes('[]') ? symbolOnlyScript(text) : null)
    ?? (text.includes(':') ? scriptUrl(text) : null)
    ?? firstMatch(SCRIPT_SCHEME, text)
    ?? (text.includes(';base64,') ? svgWithScript(text) : null)
    ?? (text.includes('=') ? firstMatch(EVENT_HANDLER, text) : null)
    ?? firstTag(text, HTML_TAG_START, [TAG_WITH_ATTRIBUTE, TAG_WITH_ACTIVE_STYLE])
    ?? firstMatch(CSS_EXPRESSION, text)
    ?? firstMatch(SCRIPT_CONTEXT_BREAK, text)
    ?? firstMatch(TEMPLATE_INJECTION, text)
    ?? firstMatch(COMMENT_OR_CDATA, text)
    ?? (/[<'"]/.test(text) ? firstMatch(SCRIPT_CALL, text) : null);
}

// `java\tscript:`: browsers drop whitespace and control characters inside
// a URL scheme. A scheme needs its colon, so values without one (most
// headers and prose) skip the copy, which took detectXss from 2.5 to
// 1.7 µs on seven typical values.
/**
 * Returns the excerpt where one of the sticky `patterns` matches at the
 * start of a tag, or null. A tag runs from a `start` match to the next `>`,
 * or to the end, and the scan resumes after it. Each pattern is tried once
 * per tag, so the work is linear in the text, where an unanchored search
 * from every `<` rescanned the rest of an unclosed tag for each one.
 */
function firstTag(text: string, start: RegExp, patterns: readonly RegExp[]): string | null {
  if (!text.includes('<')) {
    return null;
  }

  start.lastIndex = 0;
  for (let tag = start.exec(text); tag !== null; tag = start.exec(text)) {
    for (const pattern of patterns) {
      pattern.lastIndex = tag.index;
      const match = pattern.exec(text);
      if (match !== null) {
        return excerpt(text, match.index, Math.max(match[0].length, 64));
      }
    }

    const end = text.indexOf('>', tag.index + 1);
    if (end === -1) {
      return null;
    }
    start.lastIndex = end + 1;
  }
  return null;
}

/** Returns the excerpt at the first run of []()!+ that reads as JSFuck, or null; linear in the text. */
function symbolOnlyScript(text: string): string | null {
  SYMBOL_RUN.lastIndex = 0;
  for (let match = SYMBOL_RUN.exec(text); match !== null; match = SYMBOL_RUN.exec(text)) {
    const run = match[0];
    const first = run.indexOf('[]');
    if ((first !== -1 && run.indexOf('[]', first + 2) !== -1) || SYMBOL_IDIOMS.some((idiom) => run.includes(idiom))) {
      return excerpt(text, match.index, Math.max(run.length, 64));
    }
  }
  return null;
}

function scriptUrl(text: string): string | null {
  const compact = text.replace(/[\s\x00-\x1f]+/g, '');
  return /script:/i.test(compact) ? firstMatch(/(?:java|vb|live)script:/i, compact) : null;
}

// SVG elements that run script or embed a document that can.
const SVG_SCRIPT = /<\s*(?:script|foreignobject|iframe|embed|object|handler)\b|<\s*(?:animate|set)\b[^>]*\b(?:href|values|to)\s*=\s*["']?\s*(?:javascript|data):/i;

function svgWithScript(text: string): string | null {
  const match = BASE64_SVG.exec(text);
  if (match === null) {
    return null;
  }
  const svg = Buffer.from(match[1]!, 'base64').toString('latin1');
  return SVG_SCRIPT.test(svg) || (svg.includes('=') && EVENT_HANDLER.test(svg)) || scriptUrl(svg) !== null ? excerpt(text, match.index) : null;
}

const DOM_ACCESS_ALL = new RegExp(DOM_ACCESS.source, 'gi');
// Words JavaScript allows after a complete member expression.
const SCRIPT_OPERATORS: ReadonlySet<string> = new Set(['in', 'instanceof']);

// JavaScript rejects a plain word right after a member expression on the
// same line, so `document.cookie samesite` is a search, not script. Form
// and query encoding send that space as `+`, which is read as a space here.
function domAccess(script: string): string | null {
  const spaced = script.replaceAll('+', ' ');
  DOM_ACCESS_ALL.lastIndex = 0;
  for (let match = DOM_ACCESS_ALL.exec(script); match !== null; match = DOM_ACCESS_ALL.exec(script)) {
    const end = match.index + match[0].length + /^[\w$.]*/.exec(script.slice(match.index + match[0].length))![0].length;
    if (!continuesAsProse(spaced, end, SCRIPT_OPERATORS)) {
      return excerpt(script, match.index, Math.max(match[0].length, 64));
    }
  }
  return null;
}

// `document /*x*/ . cookie` and `self["alert"]` read as `document.cookie`
// and `self.alert`. Spaces between words stay, as one space each, so that
// prose after a member expression can be recognised.
function normalizeScript(text: string): string {
  return text
    .replace(/\/\*.*?\*\//g, '')
    .replace(/\s*([.[\]()])\s*/g, '$1')
    .replace(/\s+/g, ' ')
    .replace(/\[["'`]([\w$\\]+)["'`]\]/g, '.$1')
    .replace(/\(([\w$]+)\)\./g, '$1.');
}

export const xssRules: ValueRule[] = [{ class: 'xss', detector: 'xss.markup', test: detectXss }];
