// Decodes a value the ways attackers encode one, so that detectors see the
// text the application will act on. Every loop is bounded by the value length
// or by MAX_URL_DECODE_ROUNDS.
import { MAX_URL_DECODE_ROUNDS } from './limits.js';

const PERCENT_OR_PLUS = /[%+]/;
const PERCENT = /%/;
const UTF7_RUN = /\+([A-Za-z0-9+/]{2,})-?/g;
const HTML_ENTITY = /&(?:#[xX]([0-9a-fA-F]{1,6})|#(\d{1,7})|([a-zA-Z]{2,8}));?/g;
const ESCAPE_SEQUENCE = /\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})/g;
const PLAINLY_BASE64 = /^(?:[A-Za-z0-9+/]{4}){4,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const PRINTABLE = /^[\t\n\r\x20-\x7e]*$/;
// Hex strings (session ids, hashes) are valid base64 by chance and are left alone.
const HEX_ONLY = /^[0-9a-fA-F]+$/;

// Named entities that browsers decode inside attributes and that hide
// markup or script syntax; the full HTML table is not needed for detection.
const NAMED_ENTITIES: Record<string, string> = {
  lt: '<', gt: '>', quot: '"', apos: "'", amp: '&', colon: ':', tab: '\t', newline: '\n',
  sol: '/', lpar: '(', rpar: ')', semi: ';', comma: ',', period: '.', equals: '=', grave: '`',
  lsqb: '[', rsqb: ']', lbrace: '{', rbrace: '}', excl: '!', quest: '?', num: '#', percnt: '%', nbsp: ' ',
};

/**
 * Returns the distinct readings of `value` to inspect: as received, URL
 * decoded until it stops changing, and that with HTML entities (two levels)
 * and `\u`/`\x` escapes resolved. A value that is plainly base64 adds its
 * decoded text when that text is printable.
 */
export function decodeVariants(value: string): string[] {
  const variants = [value];
  const urlDecoded = urlDecodeRepeated(value);
  addDistinct(variants, urlDecoded);
  // Entities are resolved twice, since `&amp;lt;` is a common double encoding.
  addDistinct(variants, decodeEscapes(decodeHtmlEntities(decodeHtmlEntities(urlDecoded))));
  if (urlDecoded.includes('+AD')) {
    addDistinct(variants, decodeUtf7(urlDecoded));
  }

  const base64 = decodePlainBase64(urlDecoded);
  if (base64 !== null) {
    addDistinct(variants, decodeEscapes(urlDecodeRepeated(base64)));
  }
  return variants;
}

function addDistinct(list: string[], value: string): void {
  if (!list.includes(value)) {
    list.push(value);
  }
}

/**
 * URL-decodes up to MAX_URL_DECODE_ROUNDS times, stopping when nothing
 * changes. Only the first round reads `+` as a space, because a `+` that
 * decoding produced (from `%2b`) is a literal plus.
 */
export function urlDecodeRepeated(value: string): string {
  let current = value;
  for (let round = 0; round < MAX_URL_DECODE_ROUNDS && (round === 0 ? PERCENT_OR_PLUS : PERCENT).test(current); round++) {
    const next = urlDecodeOnce(current, round === 0);
    if (next === current) {
      break;
    }
    current = next;
  }
  return current;
}

/**
 * Decodes `%XX`, IIS-style `%uXXXX` and `+` as a space. Invalid escapes stay
 * as they are, as lenient servers keep them. Bytes are read as UTF-8,
 * including overlong forms such as `%c0%ae` for `.` that old decoders accepted.
 */
export function urlDecodeOnce(value: string, plusAsSpace = true): string {
  let output = '';
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length === 1) {
      output += bytes[0]! < 0x80 ? String.fromCharCode(bytes[0]!) : '\ufffd';
      bytes = [];
    } else if (bytes.length > 1) {
      output += decodeUtf8Lenient(bytes);
      bytes = [];
    }
  };

  for (let index = 0; index < value.length; index++) {
    const char = value[index]!;
    if (char === '%') {
      const byte = hexByteAt(value, index + 1);
      if (byte !== -1) {
        bytes.push(byte);
        index += 2;
        continue;
      }
      const wide = value.slice(index + 2, index + 6);
      if ((value[index + 1] === 'u' || value[index + 1] === 'U') && /^[0-9a-fA-F]{4}$/.test(wide)) {
        flush();
        output += String.fromCharCode(parseInt(wide, 16));
        index += 5;
        continue;
      }
    }
    flush();
    output += char === '+' && plusAsSpace ? ' ' : char;
  }
  flush();
  return output;
}

// Reads two hex digits by character code, without a slice and a pattern
// test per escape.
function hexByteAt(text: string, index: number): number {
  const high = hexDigit(text.charCodeAt(index));
  const low = hexDigit(text.charCodeAt(index + 1));
  return high === -1 || low === -1 ? -1 : high * 16 + low;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) {
    return code - 48;
  }
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

// Overlong two- and three-byte forms (C0/C1 lead bytes, E0 80) decode to
// ASCII here; Buffer's decoder would turn them into U+FFFD.
function decodeUtf8Lenient(bytes: number[]): string {
  const fixed: number[] = [];
  for (let index = 0; index < bytes.length; index++) {
    const lead = bytes[index]!;
    const next = bytes[index + 1] ?? 0;
    if ((lead === 0xc0 || lead === 0xc1) && (next & 0xc0) === 0x80) {
      fixed.push(((lead & 0x1f) << 6) | (next & 0x3f));
      index += 1;
    } else if (lead === 0xe0 && next === 0x80 && ((bytes[index + 2] ?? 0) & 0xc0) === 0x80) {
      fixed.push(bytes[index + 2]! & 0x3f);
      index += 2;
    } else {
      fixed.push(lead);
    }
  }
  return Buffer.from(fixed).toString('utf8');
}

/** Resolves numeric HTML entities and the named ones in NAMED_ENTITIES; others stay. */
export function decodeHtmlEntities(value: string): string {
  if (!value.includes('&')) {
    return value;
  }
  return value.replace(HTML_ENTITY, (whole, hex: string | undefined, decimal: string | undefined, name: string | undefined) => {
    if (name !== undefined) {
      return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
    }
    return codePointOr(parseInt(hex ?? decimal ?? '', hex === undefined ? 10 : 16), whole);
  });
}

/** Resolves JavaScript-style `\uXXXX`, `\u{X…}` and `\xHH` escapes. */
export function decodeEscapes(value: string): string {
  if (!value.includes('\\')) {
    return value;
  }
  return value.replace(ESCAPE_SEQUENCE, (whole, braced: string | undefined, four: string | undefined, two: string | undefined) => {
    return codePointOr(parseInt(braced ?? four ?? two ?? '', 16), whole);
  });
}

function codePointOr(codePoint: number, fallback: string): string {
  return Number.isInteger(codePoint) && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : fallback;
}

/**
 * Decodes UTF-7 runs (`+ADw-` is `<`), which old browsers applied to pages
 * without a declared charset. Each run is base64 of UTF-16BE code units.
 */
export function decodeUtf7(value: string): string {
  return value.replace(UTF7_RUN, (_whole, run: string) => {
    const bytes = Buffer.from(run, 'base64');
    let text = '';
    for (let index = 0; index + 1 < bytes.length; index += 2) {
      text += String.fromCharCode(bytes.readUInt16BE(index));
    }
    return text;
  });
}

/**
 * Decodes a value that is nothing but standard base64 of at least 16
 * characters, and returns the text when it is printable ASCII; else null.
 * Short or mixed values are left alone, because many ids and words are
 * valid base64 by chance.
 */
export function decodePlainBase64(value: string): string | null {
  if (value.length < 16 || HEX_ONLY.test(value) || !PLAINLY_BASE64.test(value)) {
    return null;
  }
  const text = Buffer.from(value, 'base64').toString('latin1');
  return PRINTABLE.test(text) ? text : null;
}
