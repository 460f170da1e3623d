// Signs that a value is natural-language text that mentions code instead of
// code itself. Interpreters reject a plain word where their grammar expects an
// operator, so code followed by prose does not run as written.

// Three words of letters in a row. Shell and PHP code rarely has them, but
// SQL keywords do (`from t where`), so the SQL detector uses its own test.
const PROSE_RUN = /(?:^|[\s(])[A-Za-z][a-z']+[ \t]+[A-Za-z][a-z']*[ \t]+[A-Za-z][a-z']*(?=[\s.,;:!?)]|$)/;

const NO_WORDS: ReadonlySet<string> = new Set();

/** True when `text` contains a run of three words of letters. */
export function hasProseRun(text: string): boolean {
  return PROSE_RUN.test(text);
}

/**
 * True when the text after `end` goes on with a plain word after a space
 * (`count(1) performance`), or ends the sentence (`… /var/log/x.log.`)
 * in a value that contains prose elsewhere. `operators` are the words that the
 * caller's language puts after a complete expression (`f() or die()`), so
 * they do not count as prose.
 */
export function continuesAsProse(text: string, end: number, operators: ReadonlySet<string> = NO_WORDS): boolean {
  const rest = text.slice(end);
  const word = /^[ \t]+([A-Za-z][a-z']+)\b/.exec(rest)?.[1];
  if (word !== undefined) {
    return !operators.has(word.toLowerCase());
  }
  return /^[.,!?]?\s*$/.test(rest) && end > 0 && hasProseRun(text.slice(0, end));
}

// Markdown code spans and fences in prose (`run \`npm install\` first`)
// quote code for a reader. Such a value is stored and shown, and reaches a
// shell or a query only as a whole sentence. `maskMarkdownCode` blanks the
// spans when `isProse` finds prose around them, and keeps offsets for
// excerpts. SQL passes its own test, since `from t where` is letters too.
// NOTE: an attacker can wrap a backtick substitution in three words of
// prose to pass the command check; `$(…)` substitutions are still found.
const MARKDOWN_CODE = /```[^`]*```|(?<=^|[\s(])`[^`\n]+`(?=$|[\s.,;:!?)])/g;

export function maskMarkdownCode(text: string, isProse: (masked: string) => boolean = hasProseRun): string {
  const masked = text.replace(MARKDOWN_CODE, (span) => ' '.repeat(span.length));
  return masked !== text && isProse(masked) ? masked : text;
}
