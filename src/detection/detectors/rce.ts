// OS command injection: a shell command that starts where a separator,
// a substitution or a line break lets the shell begin a new one. Evasions
// that the shell removes before running (quotes and backslashes inside a
// word, `$IFS`, `$@`, empty expansions) are removed first.
import { excerpt, firstMatch, wordPattern } from '../excerpt.js';
import type { ValueRule } from '../types.js';
import { maskMarkdownCode } from './prose.js';
import { POWERSHELL_WORDS, UNIX_COMMANDS, WINDOWS_COMMANDS, WORDLIKE_COMMANDS } from './shell-words.js';

const COMMANDS = new Set<string>([...UNIX_COMMANDS, ...WINDOWS_COMMANDS].map((word) => word.toLowerCase()));
const GATE_WORDS = new Set<string>([...COMMANDS, ...POWERSHELL_WORDS]);
// Maximum length of a gate word: the longest one plus room for a version or `.exe` suffix.
const MAX_GATE_WORD_LENGTH = Math.max(...[...GATE_WORDS].map((word) => word.length)) + 8;
// Every check below needs a command word or one of these characters, so a
// value with neither is skipped. A set lookup per word costs less than the checks.
const SHELL_SYNTAX = /[$`{}~[\]%<>]|\(\s*\)|\/s?bin\//;

/**
 * Returns whether a glob follows a `/` in one word, as in `/bin/c?t` or
 * `/etc/pass*`. One pass: the pattern /\/\S*[?*]/ rescanned the rest of a
 * word from each of its slashes, 11 ms for 64 KiB of them.
 */
function hasPathGlob(text: string): boolean {
  let slash = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 0x2f) {
      slash = true;
    } else if (code === 0x3f || code === 0x2a) {
      if (slash) {
        return true;
      }
    } else if (code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0xa0 || (code >= 0x1680 && /\s/.test(text[index]!))) {
      slash = false;
    }
  }
  return false;
}

// Separators after which the shell starts a new command: `;`, `|`, `&`, a
// line break, `$(`, a backtick, `(`, `{`, and process substitution `<(`.
const COMMAND_START = /(?:[;|&\n\r`({]|\$\(|<\(|>\()+[\s]*/g;
const COMMAND_WORD = /^[\w./\\~?*[\]-]+/;
// The patterns ending in `_AT` are sticky and run at a separator's end
// without copying the rest of the text. WORD_AT reads leading assignments
// and a whole word (group 1). Assignments and their values stop at the
// next separator, line breaks included as the shell ends a command there,
// so the scans from all separators together read each character once.
// `\S*\s+` read to the end of the text from each separator, 600 ms for
// 64 KiB of `;a=cat` and 540 ms for `\nid=`.
const WORD_AT = /(?:[A-Za-z_]\w*=[^\s;|&`({]*[^\S\r\n]+)*([\w./\\~?*[\]-]+)(?=[\s;|&<>)`'"}]|$)/y;
const ARGUMENTS_AT = /\s*(?:$|[;|&<>`)}]|-{1,2}\w|\/|~|\$|[a-z]+:\/\/|\w+\s*[;|&])/iy;
const WHITESPACE = /\s/g;
const NON_WHITESPACE = /\S/g;
// Binary directories an absolute command path goes through, globs allowed (`/bi?/c*t`).
const BINARY_PATH = /^(?:[/\\][\w?*[\].]*)*[/\\](?:s?bin|usr|bin|system32|windows|syswow64|opt|tmp|dev)[/\\][\w?*[\].\\/-]*/i;

// Shellshock: bash imports an environment variable whose value starts with
// `() {` as a function. Elsewhere in a value, `(){` is ordinary JavaScript.
const SHELLSHOCK = /^\s*['"]?\(\s*\)\s*\{/;
// A body stops at the next opener of its kind, so runs of `$(` or `${`
// are read in linear time. The inner substitution is checked in its place.
const SUBSTITUTION = /\$\((?!\s*\))(?:[^)$]|\$(?!\()){1,200}\)|`[^`]{1,200}`|\$\{(?:[^}$]|\$(?!\{)){1,80}\}/;
const POWERSHELL = wordPattern(POWERSHELL_WORDS, String.raw`(?=[\s(;|'"-]|$)`);
const WINDOWS_EXPANSION = /%(?:comspec|systemroot|windir|programfiles|temp|appdata|userprofile|psmodulepath|\w+:~-?\d+,?-?\d*)%/i;
const BRACE_EXPANSION = /(?:^|[\s;|&])\{[\w./$'#-]*,[\w./$'#,-]*\}|\{[\w-]*,[\w-]+\}[a-z]/i;
// Globs in an absolute path (`/etc/pas[s]wd`, `/bi?/ca*/`), which the shell expands and a blocklist misses.
const PATH_GLOB = /(?:^|[\s;|&=<>'"`])\/(?:[\w.-]*\/)*[\w.-]*(?:\[[^\]\s]{1,16}\][\w.-]*|[?*][\w.-]*\/)/;
// Shell-only expansions: arithmetic `$[…]` and `$((…))`, process substitution `<(…)`, parameter operators `${x#…}`,
// a variable run as a command with an option (`$SHELL -c`), and `~+`/`~-` directory-stack expansion.
// Parameter operators (`${x:-y}`) are checked by parameterOperator.
const SHELL_EXPANSION = /\$\[|\$\(\(|[<>]\(\s*[a-z]|(?:^|[\s;|&])\$\{?[a-z_]\w*\}?\s+-[a-z]\b|(?:^|[\s;|&])~[+-]\d*(?=$|[\s/;|&])/i;
// The start of `${x#…}`, `${x:-…}` and the like. The expansion needs a `}`
// after it, looked up once. `[^}]*\}` in the pattern read the rest of the
// text from each `${`, 4.5 ms for 8 KiB of `${x:=`.
const PARAMETER_OPERATOR = /\$\{[#!]?\w*(?:[#%^,/]|:[-=+?\d])/;
// A value that is a program path: `/bin/ab`, `/usr/local/sbin/x`, `bin/ansible`.
const PROGRAM_PATH = /^\/?(?:usr\/(?:local\/)?)?s?bin\/[\w.-]+$/;
const REDIRECT_TO_FILE = /[\w'"]\s*(?:>>?|<)\s*\/(?:tmp|dev|etc|var|proc)\//;

// Mail protocol injection: a line break followed by an IMAP tagged command or an SMTP/POP3 verb.
const MAIL_COMMAND = /[\r\n][ \t]*(?:[a-z]?\d{1,4}\s+(?:login|authenticate|select|examine|create|delete|rename|subscribe|list|lsub|status|append|check|close|expunge|search|fetch|store|copy|uid|capability|noop|logout|starttls)\b|(?:mail\s+from|rcpt\s+to|helo|ehlo|data|rset|vrfy|expn|quit|user|pass|retr|dele|stat)\b)/i;

/** Returns a shell command injected into `text`, or null. */
export function detectCommand(text: string): string | null {
  return findCommand(text.includes('`') ? maskMarkdownCode(text) : text);
}

function findCommand(text: string): string | null {
  const shell = normalizeShell(text);
  if (!SHELL_SYNTAX.test(text) && !hasPathGlob(text) && !hasCommandWord(shell)) {
    return null;
  }
  return commandAfterSeparator(shell)
    ?? leadingCommand(shell)
    ?? (shell !== text ? evadedCommand(shell) : null)
    ?? firstMatch(SHELLSHOCK, shell)
    ?? substitution(shell)
    ?? firstMatch(POWERSHELL, text)
    ?? firstMatch(WINDOWS_EXPANSION, text)
    ?? firstMatch(BRACE_EXPANSION, text)
    ?? firstMatch(PATH_GLOB, text)
    ?? firstMatch(SHELL_EXPANSION, text)
    ?? parameterOperator(text)
    ?? programPath(text.trim())
    ?? firstMatch(REDIRECT_TO_FILE, shell);
}

/** Returns the mail protocol command injected after a line break in `text`, or null. */
export function detectMailCommand(text: string): string | null {
  return /[\r\n]/.test(text) ? firstMatch(MAIL_COMMAND, text) : null;
}

/** Removes what the shell removes before it runs a word: quotes, backslashes, `$@` and `$IFS`-style spacing. */
export function normalizeShell(text: string): string {
  if (!/['"\\$`]/.test(text)) {
    return text;
  }
  return text
    .replace(/\$\{IFS[^}]{0,10}\}|\$IFS\b/g, ' ')
    .replace(/\$[@*]|(?<=\w)\$\{[a-z_]\w{0,15}\}|\$\{[a-z_]\w{0,15}\}(?=\w)|\$\(\s*\)|``|(?<=\w)\$[a-z]\w*|\$[a-z](?![\w(])/gi, '')
    .replace(/(?<=[\w/.])(?:''|""|\\(?=[\w/.]))|(?<=[\w])['"](?=[\w])/g, '')
    .replace(/(^|[\s;|&`(])(['"])([\w./-]+)\2/g, '$1$3');
}

// Separators are found with test(), which builds no match object, and only
// a separator followed by a command is read again with exec(). A body of
// 64 KiB of `` `+ `` has about 64,000 separators in its two readings.
function commandAfterSeparator(text: string): string | null {
  const secondWords = new SecondWordScan(text);
  COMMAND_START.lastIndex = 0;
  for (let from = 0; COMMAND_START.test(text); from = COMMAND_START.lastIndex) {
    const start = COMMAND_START.lastIndex;
    if (!isCommandAt(text, start)) {
      continue;
    }

    COMMAND_START.lastIndex = from;
    const match = COMMAND_START.exec(text)!;
    const separator = match[0].trim();
    if ((separator !== '(' && separator !== '{') || secondWords.hasSecondWord(start)) {
      return excerpt(text, match.index);
    }
  }
  return null;
}

// A value that is itself a command line: a command word followed by an
// option, a path, a URL, a redirection or a second command.
function leadingCommand(text: string): string | null {
  const trimmed = text.trimStart().replace(/^['"\\]+/, '');
  const word = COMMAND_WORD.exec(trimmed)?.[0];
  if (word === undefined || !isCommandWord(word)) {
    return null;
  }
  const rest = trimmed.slice(word.length);
  const secondWord = /^\s+([\w.-]+)/.exec(rest)?.[1]?.toLowerCase();
  const argumentLike = /^\s+(?:-{1,2}[\w-]|\/[\w.~*?]|~\/|[a-z]+:\/\/|[a-z]:\\|\$)/i.test(rest);
  // A lone command counts when a line break ends it or a backslash skips shell aliases (`\ls`).
  const lone = rest === '' ? /^\s*\\/.test(text) : /^[\r\n]/.test(rest);
  const distinctive = !WORDLIKE_COMMANDS.has(commandName(word)) && (/^(?:\s+\S|\s*[;&|])/.test(rest) || lone);
  const chained = secondWord !== undefined && COMMANDS.has(secondWord) && !WORDLIKE_COMMANDS.has(secondWord);
  if (plainWordRun(rest) >= 3) {
    return null;
  }
  if (argumentLike || distinctive || (lone && rest === '') || chained || (BINARY_PATH.test(word) && /^\s+\S/.test(rest))) {
    return excerpt(trimmed);
  }
  return null;
}

// The longest run of words of letters (and `_`) among the arguments before
// the first separator, counting commands that are also English words
// (`top`, `docker`). A value that is a whole command line passes options,
// paths, hosts, numbers and a subcommand or two (`cscli alerts list`);
// `tail -f logs in docker` goes on in English and is a search for how to
// use the command.
function plainWordRun(rest: string): number {
  const line = /^[^;|&\n\r`]*/.exec(rest)![0];
  let run = 0;
  let longest = 0;
  for (const word of line.split(/\s+/)) {
    run = /^[A-Za-z_]+$/.test(word) && (!isCommandWord(word) || WORDLIKE_COMMANDS.has(word.toLowerCase())) ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

// A bare command word that reads only once quotes or variables are removed
// (`w'h'o'am'i`). Plain text has no reason to be written that way.
function evadedCommand(shell: string): string | null {
  const word = shell.trim();
  return COMMAND_WORD.exec(word)?.[0] === word && isCommandWord(word) ? excerpt(word) : null;
}

// Scans words by character code. Splitting the lower-cased value into an
// array took a quarter of the detector's time on browser headers and prose.
// The scan cut detectCommand from 4.9 to 4.1 µs on seven typical values.
function hasCommandWord(text: string): boolean {
  const lower = text.toLowerCase();
  let start = -1;
  for (let index = 0; index <= lower.length; index++) {
    if (index < lower.length && isShellWordChar(lower.charCodeAt(index))) {
      start = start === -1 ? index : start;
      continue;
    }
    if (start !== -1 && index - start <= MAX_GATE_WORD_LENGTH && isGateWord(lower.slice(start, index))) {
      return true;
    }
    start = -1;
  }
  return false;
}

function isGateWord(word: string): boolean {
  if (GATE_WORDS.has(word)) {
    return true;
  }
  // `python3.10` runs `python`, and `cmd.exe` runs `cmd`.
  const versioned = isDigitAt(word, word.length - 1) && GATE_WORDS.has(word.replace(/[\d.]+$/, ''));
  return versioned || (word.endsWith('.exe') && GATE_WORDS.has(word.slice(0, -4)));
}

// Letters, digits, `_`, `.`, `+` and `-`: the characters a command name is made of.
function isShellWordChar(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 95 || code === 46 || code === 43 || code === 45;
}

function isDigitAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 48 && code <= 57;
}

// A later operator ends after the first one does, so when no `}` follows
// the first, none follows any.
function parameterOperator(text: string): string | null {
  const match = PARAMETER_OPERATOR.exec(text);
  if (match === null || text.lastIndexOf('}') < match.index + match[0].length) {
    return null;
  }
  return excerpt(text, match.index, Math.max(text.indexOf('}', match.index) + 1 - match.index, 64));
}

function programPath(text: string): string | null {
  return PROGRAM_PATH.test(text) && (text.startsWith('/') || isCommandWord(text)) ? excerpt(text) : null;
}

// `/usr/bin/python3.10` is `python`; `cmd.exe` is `cmd`.
function commandName(word: string): string {
  const slash = Math.max(word.lastIndexOf('/'), word.lastIndexOf('\\'));
  const name = (slash === -1 ? word : word.slice(slash + 1)).toLowerCase();
  return name.endsWith('.exe') ? name.slice(0, -4) : name;
}

// A command word where a command can start. Words that are also common
// words ("man", "at") need what follows to look like arguments, so that
// prose after a semicolon is not read as a command.
function isCommandAt(text: string, start: number): boolean {
  WORD_AT.lastIndex = start;
  const word = WORD_AT.exec(text)?.[1];
  const kind = word === undefined ? 'none' : commandKind(word);
  if (kind !== 'wordlike') {
    return kind === 'command';
  }
  ARGUMENTS_AT.lastIndex = WORD_AT.lastIndex;
  return ARGUMENTS_AT.test(text);
}

type CommandKind = 'none' | 'command' | 'wordlike';

// Hostile values repeat one word after thousands of separators, and the
// lookups behind one result cost more than the map. Only words of at most
// MAX_CACHED_WORD_LENGTH characters are kept, and the map is emptied at
// MAX_CACHED_WORDS entries, so it keeps at most 4,096 words of 64 characters.
const MAX_CACHED_WORDS = 4096;
const MAX_CACHED_WORD_LENGTH = 64;
const commandKinds = new Map<string, CommandKind>();

function commandKind(word: string): CommandKind {
  let kind = commandKinds.get(word);
  if (kind === undefined) {
    kind = !isCommandWord(word) ? 'none' : WORDLIKE_COMMANDS.has(commandName(word)) ? 'wordlike' : 'command';
    if (word.length > MAX_CACHED_WORD_LENGTH) {
      return kind;
    }
    if (commandKinds.size >= MAX_CACHED_WORDS) {
      commandKinds.clear();
    }
    commandKinds.set(word, kind);
  }
  return kind;
}

/**
 * Checks whether a word, blanks and another word start at a position, for
 * positions that only grow. The result depends only on the first blank at
 * or after the position, so it is computed once per blank run and the text
 * is read once. A pattern run from each `(` or `{` read the rest of a
 * blank-free text, 590 ms for 64 KiB of `{id}`.
 */
class SecondWordScan {
  private blank = -1;
  private wordAfterBlank = false;

  constructor(private readonly text: string) {}

  hasSecondWord(start: number): boolean {
    if (this.blank < start) {
      WHITESPACE.lastIndex = start;
      this.blank = WHITESPACE.exec(this.text)?.index ?? this.text.length;
      NON_WHITESPACE.lastIndex = this.blank;
      this.wordAfterBlank = this.blank < this.text.length && NON_WHITESPACE.exec(this.text) !== null;
    }
    return this.blank > start && this.wordAfterBlank;
  }
}

function isCommandWord(word: string): boolean {
  if (BINARY_PATH.test(word)) {
    return true;
  }
  const name = commandName(word);
  return COMMANDS.has(name) || COMMANDS.has(name.replace(/\d+(?:\.\d+)*$/, ''));
}

function substitution(text: string): string | null {
  const match = SUBSTITUTION.exec(text);
  if (match === null) {
    return null;
  }
  const inner = match[0].replace(/^\$?[({`]|[)}`]$/g, '').trim();
  // `${HOME}` only expands a variable, as configuration files and templates write it; `$(x)` and `` `x` `` run x.
  const runsInner = !match[0].startsWith('${') && /^[\w]+$/.test(inner);
  return isCommandWord(COMMAND_WORD.exec(inner)?.[0] ?? '') || runsInner ? excerpt(text, match.index) : null;
}

export const rceRules: ValueRule[] = [
  { class: 'rce', detector: 'rce.shell', test: detectCommand },
  { class: 'rce', detector: 'rce.mail_command', test: detectMailCommand },
];
