// Comparison of a parameter, header or cookie name met in traffic or in
// text with the names that redact rules list. Names compare
// case-insensitively after percent-decoding, and the nested forms that Rails
// and PHP parse into maps and lists count as each name they contain:
// `user[password]`, `token[]` and `a[b][token]` refer to `password` and
// `token` as well as for their base name.
//
// A name is also split into words at `.`, `_`, `-`, camelCase humps and
// trailing digits, as secret scanners read names. A word that always names
// a credential (CREDENTIAL_WORDS) counts wherever it is:
// `password_confirmation`, `DATABASE_PASSWORD`, `spring.datasource.password`
// and `password2` refer to `password`. `token` and `apikey` count only as
// the last word (`refreshToken`, `csrf_token`, `db_api_key`), and so do
// `pass` and `pwd` (`user_pass`), since `token_type` names no secret.
// `password` and `passwd` also count inside a longer word (`PGPASSWORD`).
// Other targets, such as `key` or `code`, compare whole, so that
// `sort_key` and `country_code` stay readable. A flag such as
// `showPassword=true` is masked too, which is the safe side to err on.
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
  const decoded = decodeFormComponent(tail);
  const variants = [decoded.toLowerCase()];

  // Brackets are found in the decoded name as written, since lower-casing
  // can change the length of a name and so the positions in it.
  const open = decoded.indexOf('[');
  if (open === -1) {
    addCredentialWords(variants, decoded);
    return variants;
  }
  if (open > 0) {
    addPart(variants, decoded.slice(0, open));
  }

  let position = open;
  while (position !== -1) {
    const close = decoded.indexOf(']', position + 1);
    if (close === -1) {
      break;
    }
    const segment = decoded.slice(position + 1, close);
    if (segment !== '' && !segment.includes('[')) {
      addPart(variants, segment);
    }
    position = decoded.indexOf('[', close + 1);
  }
  return variants;
}

/** Adds a base name or bracket segment, lower-cased, and its credential words. */
function addPart(variants: string[], part: string): void {
  variants.push(part.toLowerCase());
  addCredentialWords(variants, part);
}

/**
 * Returns `password` or `passwd` when a lower-case word contains it without
 * being it (`PGPASSWORD`, `userpassword`), else null. Environment variables
 * and old schemas run words together.
 */
function embeddedPasswordWord(word: string): string | null {
  if (word.length > 'password'.length && word.includes('password')) {
    return 'password';
  }
  return word.length > 'passwd'.length && word.includes('passwd') ? 'passwd' : null;
}

/** Words that name a credential wherever they are in a name. */
const CREDENTIAL_WORDS: ReadonlySet<string> = new Set(['password', 'passwd', 'passphrase', 'secret', 'credential', 'credentials']);

/**
 * Words that name a credential as the last word of a name only; `apikey`
 * also as its last two (`db_api_key`). `authorization` covers the copies
 * proxies make of the header (`x-forwarded-authorization`).
 */
const LAST_CREDENTIAL_WORDS: ReadonlySet<string> = new Set(['token', 'apikey', 'pass', 'pwd', 'authorization']);

/** Word boundaries: a separator, a lower-case letter or digit before an upper-case one, and letters before trailing digits. */
const WORD_BOUNDARY = /[._-]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9]+$)/;

/** Word boundaries of isCredentialName: those of WORD_BOUNDARY and the brackets of nested names. */
const NAME_WORD_BOUNDARY = /[._\-[\]]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9]+$)/;

/**
 * True when `name` names a credential by the word rule of the header
 * comment: `password`, `DB_PASSWORD`, `user[password]`, `refreshToken`,
 * `api_key`. Free text such as `Note: password must be 8 chars` or
 * `Content-Type: application/json` has pairs whose names are not
 * credentials, so only these are read as `name: value` in free text.
 */
export function isCredentialName(name: string): boolean {
  const words = name.slice(-MAX_COMPARED_NAME_CHARS).split(NAME_WORD_BOUNDARY).filter((word) => word !== '').map((word) => word.toLowerCase());
  const last = words.length - 1;
  if (last < 0) {
    return false;
  }
  return words.some((word) => CREDENTIAL_WORDS.has(word) || embeddedPasswordWord(word) !== null)
    || LAST_CREDENTIAL_WORDS.has(words[last]!)
    || (last > 0 && LAST_CREDENTIAL_WORDS.has(words[last - 1]! + words[last]!));
}

/** Returns the credential words of a name of two words or more (see the header comment), lower-cased. */
export function credentialWords(name: string): string[] {
  const words: string[] = [];
  addCredentialWords(words, name);
  return words;
}

/** Adds the credential words of `name` (see the header comment), lower-cased. */
function addCredentialWords(variants: string[], name: string): void {
  const words = name.split(WORD_BOUNDARY).map((word) => word.toLowerCase());
  for (const word of words) {
    const embedded = embeddedPasswordWord(word);
    if (embedded !== null && !variants.includes(embedded)) {
      variants.push(embedded);
    }
  }
  if (words.length < 2) {
    return;
  }
  const lastTwo = words.slice(-2).join('');
  const found = words.filter((word, index) => CREDENTIAL_WORDS.has(word) || (index === words.length - 1 && LAST_CREDENTIAL_WORDS.has(word)));
  if (LAST_CREDENTIAL_WORDS.has(lastTwo)) {
    found.push(lastTwo);
  }
  for (const word of found) {
    if (!variants.includes(word)) {
      variants.push(word);
    }
  }
}
