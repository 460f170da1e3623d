// SQL injection: token shapes that a data value never has but injected SQL
// does. Each value is tokenised three times, as if it were placed bare, inside
// '…' and inside "…" in a query, because the detector cannot know which
// context the application builds (libinjection does the same).
import { excerpt } from '../excerpt.js';
import type { ValueRule } from '../types.js';
import { maskMarkdownCode } from './prose.js';
import { tokenizeSql, type SqlToken } from './sql-tokens.js';

const BOOLEAN_OPERATORS = new Set(['or', 'and', 'xor', '||', '&&', 'div', 'not']);
const COMPARISONS = new Set(['=', '==', '<', '>', '<=', '>=', '<>', '!=', '<=>', 'like', 'rlike', 'regexp', 'is', 'in', 'between', 'sounds']);
const STATEMENTS = new Set(['select', 'insert', 'update', 'delete', 'drop', 'create', 'alter', 'exec', 'execute', 'declare', 'shutdown', 'truncate', 'waitfor', 'grant', 'revoke', 'rename', 'handler', 'load', 'set', 'begin', 'if', 'call', 'copy', 'union']);
const DDL_OBJECTS = new Set(['table', 'database', 'schema', 'user', 'function', 'procedure', 'view', 'index', 'trigger', 'column']);

// Functions and objects that only SQL reaches for: timing, file access,
// error-based extraction, system catalogues and stored procedures.
const STRONG_NAMES = /^(?:sleep|benchmark|pg_sleep|lo_\w+|load_file|extractvalue|updatexml|group_concat|xp_\w+|sp_\w+|utl_\w+|dbms_\w+|sys_context|information_schema(?:\.\w+)?|sqlite_master|sqlite_version|pg_\w+|mysql\.\w+|sys\.\w+|master\.\.\w*|@@\w+|randomblob|load_extension|json_extract|make_set|current_user|session_user|system_user|user_name|db_name|schema_name|last_insert_rowid|row_count|found_rows|connection_id|uuid_short|exp|name_const|geometrycollection|multipoint|polygon|linestring|procedure)$/;
// System catalogues and databases that exist on every server of a product.
const CATALOGUES = /^(?:information_schema|pg_catalog|pg_shadow|pg_user|mysql\.(?:user|db)|sys\.\w+|msdb|tempdb|master\.\.|sqlite_master|sqlite_temp_master|msysaccessobjects|msysobjects|sysobjects|syscolumns|sysusers|all_tables|all_users|user_tables|dba_users|v\$version)\b/;
// PostgreSQL casts (`x::int`) name one of these types.
const CAST_TYPES = new Set(['int', 'integer', 'int4', 'int8', 'bigint', 'smallint', 'text', 'varchar', 'char', 'numeric', 'decimal', 'double', 'real', 'float', 'bool', 'boolean', 'json', 'jsonb', 'bytea', 'regclass', 'oid', 'date', 'timestamp', 'interval', 'xml', 'uuid', 'inet', 'money']);
// PostgreSQL JSON operators, which only follow a JSON string in a query.
const JSON_OPERATORS = new Set(['->', '->>', '#>', '#>>', '@>', '<@', '?|', '?&', '#-', '@?', '@@', '?']);
const VALUE_FUNCTIONS = /^(?:char|chr|nchar|ascii|ord|hex|unhex|substring|substr|mid|concat|concat_ws|version|database|user|schema|cast|convert|coalesce|ifnull|nullif|iif|if|elt|count|length|len|lower|upper|md5|sha1|floor|rand|now|left|right|instr|locate|position|replace|reverse|space|strcmp|conv|bin|oct|soundex|isnull|case)$/;

// Tokenising costs more than this test, and a value with none of these
// characters or words cannot match any check below.
const SQL_HINT = /['"`;#=<>|&(]|--|\/\*|@@|::|->|\b(?:select|union|insert|update|delete|drop|create|alter|truncate|exec|execute|declare|waitfor|sleep|benchmark|order|group|having|case|procedure|as|or|and|xor|div|not|like|rlike|regexp|into|information_schema|pg_\w+|sys|master|msdb|tempdb|sqlite_master|msysaccessobjects|msysobjects|sysobjects|syscolumns|sysusers|all_tables|all_users|user_tables|dba_users)\b/i;

/** The checks run on one token list; each returns the index of the token where the injection starts, or -1. */
type ShapeCheck = (tokens: SqlToken[], quoted: boolean) => number;

// Features of a token list, one bit each. A check runs only when the
// features it needs are present. On browser headers and prose most checks
// are skipped, which took detectSqli from 10.7 to 6.5 µs on four typical
// header and body values.
const F_BOOLEAN = 1 << 0;
const F_COMPARISON = 1 << 1;
const F_UNION = 1 << 2;
const F_SELECT = 1 << 3;
const F_SEMICOLON = 1 << 4;
const F_STRONG = 1 << 5;
const F_CATALOGUE = 1 << 6;
const F_DDL = 1 << 7;
const F_PROCEDURE = 1 << 8;
const F_CONDITIONAL = 1 << 9;
const F_CAST = 1 << 10;
const F_ALIAS = 1 << 11;
const F_VALUE_FUNCTION = 1 << 12;
const F_ORDER = 1 << 13;
const ALWAYS = 0;

interface GatedCheck {
  check: ShapeCheck;
  /** Any of these feature bits lets the check run; ALWAYS runs it every time. */
  needs: number;
}

// Checks that read a comment as the end of the injected part get every token.
// The others get the tokens without comments, as the database parses them.
const COMMENT_CHECKS: GatedCheck[] = [
  { check: booleanTautology, needs: F_BOOLEAN },
  { check: quoteThenComment, needs: ALWAYS },
  { check: orderByAfterBreak, needs: F_ORDER },
];
const CODE_CHECKS: GatedCheck[] = [
  { check: unionSelect, needs: F_UNION },
  { check: selectFrom, needs: F_SELECT },
  { check: stackedStatement, needs: F_SEMICOLON },
  { check: quoteThenStatement, needs: ALWAYS },
  { check: literalComparison, needs: F_COMPARISON | F_BOOLEAN },
  { check: strongFunction, needs: F_STRONG },
  { check: catalogue, needs: F_CATALOGUE },
  { check: ddlStatement, needs: F_DDL },
  { check: procedureCall, needs: F_PROCEDURE },
  { check: conditional, needs: F_CONDITIONAL },
  { check: castOrJsonOperator, needs: F_CAST },
  { check: aliasFrom, needs: F_ALIAS },
  { check: valueFunctionAfterBreak, needs: F_VALUE_FUNCTION },
];
const SQL_ONLY_CHECKS = new Set<ShapeCheck>([strongFunction, catalogue, procedureCall]);

const KEYWORD_FEATURES = new Map<string, number>([
  ...[...BOOLEAN_OPERATORS].map((word): [string, number] => [word, F_BOOLEAN]),
  ...[...COMPARISONS].map((word): [string, number] => [word, F_COMPARISON]),
  ['union', F_UNION], ['select', F_SELECT], ['waitfor', F_STRONG], ['into', F_STRONG],
  ['drop', F_DDL], ['create', F_DDL], ['alter', F_DDL], ['truncate', F_DDL], ['insert', F_DDL], ['delete', F_DDL], ['update', F_DDL],
  ['exec', F_PROCEDURE], ['execute', F_PROCEDURE], ['declare', F_PROCEDURE], ['procedure', F_PROCEDURE | F_ORDER],
  ['case', F_CONDITIONAL], ['if', F_CONDITIONAL], ['iif', F_CONDITIONAL], ['as', F_ALIAS],
  ['order', F_ORDER], ['group', F_ORDER], ['having', F_ORDER],
]);
const CAST_OPERATORS = new Set(['::', ...JSON_OPERATORS]);

// Word features cost three regular expressions. Words repeat across
// requests (browser and product names), so results are cached, and the
// cache is cleared at MAX_CACHED_WORDS so that hostile input cannot grow it.
const MAX_CACHED_WORDS = 8192;
const wordFeatureCache = new Map<string, number>();

function wordFeatures(word: string): number {
  const cached = wordFeatureCache.get(word);
  if (cached !== undefined) {
    return cached;
  }
  let features = KEYWORD_FEATURES.get(word) ?? 0;
  features |= STRONG_NAMES.test(word) ? F_STRONG : 0;
  features |= CATALOGUES.test(word) ? F_CATALOGUE : 0;
  features |= VALUE_FUNCTIONS.test(word) ? F_VALUE_FUNCTION : 0;
  if (wordFeatureCache.size >= MAX_CACHED_WORDS) {
    wordFeatureCache.clear();
  }
  wordFeatureCache.set(word, features);
  return features;
}

function featuresOf(tokens: readonly SqlToken[]): number {
  let features = 0;
  for (const token of tokens) {
    if (token.kind === 'word' || token.kind === 'variable') {
      features |= wordFeatures(token.text);
    } else if (token.kind === 'operator') {
      features |= (BOOLEAN_OPERATORS.has(token.text) ? F_BOOLEAN : 0) | (COMPARISONS.has(token.text) ? F_COMPARISON : 0) | (CAST_OPERATORS.has(token.text) ? F_CAST : 0);
    } else if (token.kind === 'semicolon') {
      features |= F_SEMICOLON;
    } else if (token.kind === 'string' && CATALOGUES.test(token.text)) {
      features |= F_CATALOGUE;
    }
  }
  return features;
}

/** Returns the SQL-shaped part of `text`, or null. */
export function detectSqli(text: string): string | null {
  if (!SQL_HINT.test(text)) {
    return null;
  }
  const contexts: Array<[prefix: string, quoted: boolean]> = [['', false]];
  if (text.includes("'")) {
    contexts.push(["'", true]);
  }
  if (text.includes('"')) {
    contexts.push(['"', true]);
  }
  // MySQL quotes names in backticks, and applications put sort columns and
  // field names from requests there (`order by \`${column}\``).
  // Markdown code spans in prose (`` use `--dry-run` first ``) are not a column name.
  if (text.includes('`') && maskMarkdownCode(text, isSqlProse) === text) {
    contexts.push(['`', true]);
  }

  for (const [prefix, quoted] of contexts) {
    const source = prefix + text;
    const tokens = tokenizeSql(source);
    const features = featuresOf(tokens);
    const code = tokens.some((token) => token.kind === 'comment') ? tokens.filter((token) => token.kind !== 'comment') : tokens;
    // Most values match no check, so the prose scan waits for the first match.
    let prose: boolean | undefined;
    for (const [checks, list] of [[COMMENT_CHECKS, tokens], [CODE_CHECKS, code]] as const) {
      for (const { check, needs } of checks) {
        if (needs !== ALWAYS && (features & needs) === 0) {
          continue;
        }
        const at = check(list, quoted);
        if (at === -1) {
          continue;
        }
        if (SQL_ONLY_CHECKS.has(check) && callsEnglishWord(list, at) && wordsFollowCall(list, at)) {
          continue;
        }
        prose ??= hasProse(tokens, source);
        if ((SQL_ONLY_CHECKS.has(check) && !callsEnglishWord(list, at)) || !prose) {
          return excerpt(text, list[at]!.start - prefix.length);
        }
      }
    }
  }
  return null;
}

function isSqlProse(text: string): boolean {
  return hasProse(tokenizeSql(text), text);
}

// Words that SQL grammar puts next to each other (`union all select null`,
// `order by`, `is not null`). Any other two words in a row are a column and
// its alias at most.
// DDL objects (`user`, `table`) are left out, because they are English nouns too.
const SQL_WORDS = new Set([...STATEMENTS, ...BOOLEAN_OPERATORS, ...COMPARISONS, 'all', 'distinct', 'from', 'where', 'by', 'order', 'group', 'having', 'limit', 'offset', 'null', 'true', 'false', 'as', 'into', 'values', 'when', 'then', 'else', 'case', 'asc', 'desc', 'top', 'with', 'join', 'on', 'delay', 'procedure', 'cascade', 'restrict', 'constraints', 'exists']);
// Three words in a row that SQL does not join: English, not a query.
const PROSE_RUN = 3;
const DDL_VERBS = new Set(['drop', 'create', 'alter', 'truncate', 'grant', 'revoke', 'rename']);

// Injected SQL has to parse: the database rejects the whole query, or the
// whole batch, at the first syntax error. A run of ordinary words in the code
// part of a value (`in the statement select * from …`) is such an error, so
// prose that quotes SQL is not SQL, wherever the SQL sits in it. In the
// quoted contexts prose before the first quote is inside the string, and
// prose inside a comment is hidden by it, so neither counts. Names that
// only SQL uses (`waitfor delay`, `pg_sleep(`, catalogues) count in prose
// too: no text mentions them but an attack or a database manual. Calls of
// names that are English words as well (`sleep(`) count like other checks.
function hasProse(tokens: readonly SqlToken[], source: string): boolean {
  let run = 0;
  for (let index = 0; index < tokens.length; index++) {
    const ordinary = isOrdinaryWord(tokens, index) || (isLinkingWord(tokens, index) && isWordOfProse(tokens, index - 1) && isWordOfProse(tokens, index + 1));
    run = ordinary ? run + 1 : 0;
    if (run >= PROSE_RUN || (ordinary && betweenStrings(tokens, index, source))) {
      return true;
    }
  }
  return false;
}

// `sleep(5) in javascript`, `benchmark() mysql function`: names that are
// also English words count as SQL only outside prose, like other checks.
function callsEnglishWord(tokens: readonly SqlToken[], index: number): boolean {
  const token = tokens[index]!;
  return token.kind === 'word' && /^[a-z]+$/.test(token.text) && tokens[index + 1]?.kind === 'open';
}

// SQL allows one name after a call, its alias. Two words (`benchmark()
// mysql function`), or `in`, `is`, `not` or `by` and a word (`sleep(5) in
// javascript`), are a syntax error, so the call is named in a sentence.
function wordsFollowCall(tokens: readonly SqlToken[], index: number): boolean {
  let depth = 0;
  let after = index + 1;
  for (; after < tokens.length; after++) {
    const kind = tokens[after]!.kind;
    if (kind === 'open') {
      depth += 1;
    } else if (kind === 'close') {
      depth -= 1;
    }
    if (depth === 0) {
      break;
    }
  }
  return isWordOfProse(tokens, after + 1) && isOrdinaryWord(tokens, after + 2);
}

function isOrdinaryWord(tokens: readonly SqlToken[], index: number): boolean {
  const token = tokens[index];
  return token !== undefined && token.kind === 'word' && !SQL_WORDS.has(token.text) && !namesDdlObject(tokens, index);
}

function isLinkingWord(tokens: readonly SqlToken[], index: number): boolean {
  const token = tokens[index];
  return token !== undefined && token.kind === 'word' && LINKING_WORDS.has(token.text);
}

function isWordOfProse(tokens: readonly SqlToken[], index: number): boolean {
  return isOrdinaryWord(tokens, index) || isLinkingWord(tokens, index);
}

// SQL words that SQL never puts between two names, but English does
// (`cart not working`, `list is not possible`): `not` needs `in`, `like`,
// `between` or an operand after it, `is` needs `null`, `true` or `not`,
// `in` needs `(`, and `by` follows `order` or `group`. Between words of
// prose, or other such words, they count as prose.
const LINKING_WORDS = new Set(['not', 'is', 'in', 'by']);

// `drop table t cascade`: after a DDL verb, `table` or `user` is SQL.
function namesDdlObject(tokens: readonly SqlToken[], index: number): boolean {
  const before = tokens[index - 1];
  return DDL_OBJECTS.has(tokens[index]!.text) && before !== undefined && DDL_VERBS.has(before.text);
}

// `… "name" variable "…"`: prose with quoted words reads as strings and
// words taking turns. After `'a' word` (a string and its alias) SQL allows
// no second string, so this too is an error, not a query. Backticks quote
// names, not strings: `` `t` add `c` `` is MySQL DDL.
function betweenStrings(tokens: readonly SqlToken[], index: number, source: string): boolean {
  return isQuotedString(tokens[index - 1], source) && isQuotedString(tokens[index + 1], source);
}

function isQuotedString(token: SqlToken | undefined, source: string): boolean {
  return token !== undefined && token.kind === 'string' && source[token.start] !== '`';
}

function isWord(token: SqlToken | undefined, word: string): boolean {
  return token !== undefined && token.kind === 'word' && token.text === word;
}

function isValue(token: SqlToken | undefined): boolean {
  return token !== undefined && (token.kind === 'string' || token.kind === 'number' || token.kind === 'variable' || (token.kind === 'word' && !BOOLEAN_OPERATORS.has(token.text)));
}

function isBoolean(token: SqlToken | undefined): boolean {
  return token !== undefined && (token.kind === 'word' || token.kind === 'operator') && BOOLEAN_OPERATORS.has(token.text);
}

function isComparison(token: SqlToken | undefined): boolean {
  return token !== undefined && (token.kind === 'word' || token.kind === 'operator') && COMPARISONS.has(token.text);
}

function unionSelect(tokens: SqlToken[]): number {
  for (let index = 0; index < tokens.length; index++) {
    if (isWord(tokens[index], 'union')) {
      const window = tokens.slice(index + 1, index + 4);
      if (window.some((token) => isWord(token, 'select') || isWord(token, 'values') || isWord(token, 'table'))) {
        return index;
      }
    }
  }
  return -1;
}

function selectFrom(tokens: SqlToken[]): number {
  for (let index = 0; index < tokens.length; index++) {
    if (!isWord(tokens[index], 'select')) {
      continue;
    }
    const next = tokens[index + 1];
    const window = tokens.slice(index + 1, index + 16);
    const hasFrom = window.some((token) => isWord(token, 'from') || isWord(token, 'into'));
    const startsExpression = next !== undefined && (next.kind === 'number' || next.kind === 'variable' || next.kind === 'open' || next.text === '*' || (next.kind === 'word' && tokens[index + 2]?.kind === 'open'));
    const broke = index > 0 && ['open', 'semicolon', 'string', 'close', 'operator'].includes(tokens[index - 1]!.kind);
    const calls = next?.kind === 'word' && (tokens[index + 2]?.kind === 'open' || STRONG_NAMES.test(next.text));
    // `select a, b from t`: a bare column list and FROM, at the start of the value.
    const columns = index === 0 && selectList(tokens, index + 1);
    if ((hasFrom && (broke || next?.text === '*' || startsExpression)) || (broke && startsExpression) || calls || columns || selectsEmptyCall(tokens, index + 1)) {
      return index;
    }
  }
  return -1;
}

function selectList(tokens: SqlToken[], start: number): boolean {
  let index = start;
  while (tokens[index]?.kind === 'word' && tokens[index + 1]?.kind === 'comma') {
    index += 2;
  }
  const column = tokens[index];
  return column?.kind === 'word' && !BOOLEAN_OPERATORS.has(column.text) && isWord(tokens[index + 1], 'from') && tokens[index + 2]?.kind === 'word';
}

// `select(user(`, `select 1,2,3,version()`: numbers, then a SQL function called
// with no argument, as union probes send to find a column that is printed.
// A call with an argument is left to the other checks.
function selectsEmptyCall(tokens: SqlToken[], start: number): boolean {
  let index = start;
  while (tokens[index]?.kind === 'open' || tokens[index]?.kind === 'operator') {
    index += 1;
  }
  while ((tokens[index]?.kind === 'number' || isWord(tokens[index], 'null')) && tokens[index + 1]?.kind === 'comma') {
    index += 2;
  }
  const name = tokens[index];
  const after = tokens[index + 2];
  const called = name?.kind === 'word' && (VALUE_FUNCTIONS.test(name.text) || STRONG_NAMES.test(name.text)) && tokens[index + 1]?.kind === 'open';
  return called && (after === undefined || after.kind === 'close');
}

// `; drop table t`, `; set @a=1`: a statement after a semicolon. `set` is
// also an English word, so it needs its assignment (`name =` or `name :=`).
function stackedStatement(tokens: SqlToken[]): number {
  for (let index = 0; index + 1 < tokens.length; index++) {
    const next = tokens[index + 1]!;
    if (tokens[index]!.kind === 'semicolon' && next.kind === 'word' && STATEMENTS.has(next.text) && tokens[index + 2] !== undefined && (next.text !== 'set' || isAssignment(tokens, index + 2))) {
      return index;
    }
  }
  return -1;
}

function isAssignment(tokens: SqlToken[], at: number): boolean {
  const target = tokens[at];
  const operator = tokens[at + 1];
  return target !== undefined && (target.kind === 'word' || (target.kind === 'variable' && target.text.length > 1)) && operator !== undefined && (operator.text === '=' || operator.text === ':=');
}

// `' or 1=1`, `1 and 2>1`, `x' or 'a'='a`, `' or true--`: a value, a boolean
// operator, and a comparison or a value followed by a comment or the end.
function booleanTautology(tokens: SqlToken[], quoted: boolean): number {
  for (let index = 1; index + 1 < tokens.length; index++) {
    const before = tokens[index - 1]!;
    if (!isBoolean(tokens[index]) || !(isValue(before) || before.kind === 'close')) {
      continue;
    }
    if (!quoted && index !== 1 && before.kind !== 'close' && before.kind !== 'number') {
      continue;
    }
    let at = index + 1;
    while (tokens[at]?.kind === 'open' || tokens[at]?.kind === 'comment' || isWord(tokens[at], 'not') || tokens[at]?.text === '!') {
      at += 1;
    }
    const operand = tokens[at];
    const after = tokens[at + 1];
    if (!isValue(operand)) {
      continue;
    }
    if (isComparison(after) && (isValue(tokens[at + 2]) || tokens[at + 2]?.kind === 'open')) {
      return index;
    }
    if (operand!.kind === 'word' && after?.kind === 'open') {
      return index;
    }
    if (quoted && (after === undefined || after.kind === 'comment' || after.kind === 'semicolon') && operand!.kind !== 'word') {
      return index;
    }
    if ((after?.kind === 'comment' || after?.kind === 'semicolon') && (operand!.kind === 'number' || ['true', 'false', 'null'].includes(operand!.text))) {
      return index;
    }
    // `9999 or true`: a number, then a boolean operator and a truth value, ends the value.
    if (after === undefined && before.kind === 'number' && (operand!.text === 'true' || operand!.text === 'false')) {
      return index;
    }
  }
  return -1;
}

// `admin'--`, `admin'#`, `1')--`: a quoted value closed early and the rest of the query commented out.
function quoteThenComment(tokens: SqlToken[], quoted: boolean): number {
  if (!quoted || tokens[0]?.kind !== 'string') {
    return -1;
  }
  let at = 1;
  while (tokens[at]?.kind === 'close') {
    at += 1;
  }
  const token = tokens[at];
  if (token?.kind === 'comment' || token?.kind === 'semicolon') {
    return at;
  }
  return -1;
}

// `x' union …`, `1' select …`: a quoted value closed and a statement keyword next.
function quoteThenStatement(tokens: SqlToken[], quoted: boolean): number {
  const next = tokens[1];
  if (!quoted || tokens[0]?.kind !== 'string' || next === undefined || next.kind !== 'word') {
    return -1;
  }
  const after = tokens[2];
  const statement = ['select', 'insert', 'update', 'delete', 'drop', 'exec', 'execute', 'waitfor', 'procedure'].includes(next.text);
  const union = next.text === 'union' && (isWord(after, 'select') || isWord(after, 'all') || isWord(after, 'distinct'));
  const clause = (next.text === 'order' || next.text === 'group') && isWord(after, 'by');
  const pattern = ['like', 'rlike', 'regexp'].includes(next.text) && (after?.kind === 'string' || after?.kind === 'number');
  return (statement && after !== undefined) || union || clause || pattern ? 1 : -1;
}

// `'x'!='y`, `"a"="a"`: two literals compared, which only SQL syntax writes.
function literalComparison(tokens: SqlToken[], quoted: boolean): number {
  if (quoted) {
    return -1;
  }
  for (let index = 0; index + 2 < tokens.length; index++) {
    const left = tokens[index]!;
    const right = tokens[index + 2]!;
    const literals = (left.kind === 'string' || left.kind === 'number') && (right.kind === 'string' || right.kind === 'number') && (left.kind === 'string' || right.kind === 'string');
    if (literals && isComparison(tokens[index + 1])) {
      return index;
    }
    // `) like (`, `)or(`: a boolean or pattern operator joining two groups.
    if (left.kind === 'close' && right.kind === 'open' && (isComparison(tokens[index + 1]) || isBoolean(tokens[index + 1]))) {
      return index;
    }
  }
  return -1;
}

function catalogue(tokens: SqlToken[]): number {
  return tokens.findIndex((token) => (token.kind === 'word' || token.kind === 'string') && CATALOGUES.test(token.text));
}

// `exec xp_cmdshell`, `exec master..`, `exec (@q)`, `declare @x`.
function procedureCall(tokens: SqlToken[]): number {
  for (let index = 0; index + 1 < tokens.length; index++) {
    const next = tokens[index + 1]!;
    const executes = (isWord(tokens[index], 'exec') || isWord(tokens[index], 'execute')) && (next.kind === 'open' || next.kind === 'variable' || /^(?:xp_|sp_|master\.|sys\.|dbo\.)/.test(next.text));
    const declares = isWord(tokens[index], 'declare') && next.kind === 'variable';
    const analyse = isWord(tokens[index], 'procedure') && isWord(next, 'analyse');
    if (executes || declares || analyse) {
      return index;
    }
  }
  return -1;
}

// `case when … then`, `if(1=1,…)`, `iif(x > 1, …)`.
function conditional(tokens: SqlToken[]): number {
  for (let index = 0; index + 3 < tokens.length; index++) {
    if (isWord(tokens[index], 'case') && isWord(tokens[index + 1], 'when') && tokens.slice(index + 2, index + 12).some((token) => isWord(token, 'then'))) {
      return index;
    }
    const test = (isWord(tokens[index], 'if') || isWord(tokens[index], 'iif')) && tokens[index + 1]!.kind === 'open';
    if (test && isValue(tokens[index + 2]) && isComparison(tokens[index + 3])) {
      return index;
    }
  }
  return -1;
}

// `password::int`, `'{"a":1}'::jsonb`, `'{"a":1}' -> 'a'`: PostgreSQL casts and JSON operators.
function castOrJsonOperator(tokens: SqlToken[]): number {
  for (let index = 0; index + 1 < tokens.length; index++) {
    const token = tokens[index]!;
    const next = tokens[index + 1]!;
    if (token.kind === 'operator' && token.text === '::' && next.kind === 'word' && CAST_TYPES.has(next.text)) {
      return index;
    }
    if (index > 0 && token.kind === 'operator' && JSON_OPERATORS.has(token.text) && tokens[index - 1]!.kind === 'string' && (next.kind === 'string' || next.kind === 'number' || isWord(next, 'array'))) {
      return index;
    }
  }
  return -1;
}

// `1234 as "x" from t`, `` ` as `col` from ``: a column alias and FROM, the tail of a select list.
function aliasFrom(tokens: SqlToken[]): number {
  for (let index = 0; index + 2 < tokens.length; index++) {
    const before = tokens[index - 1];
    const aliased = before !== undefined && (before.kind === 'number' || before.kind === 'string' || before.kind === 'close');
    if (isWord(tokens[index], 'as') && (aliased || tokens[index + 1]!.kind === 'string') && isValue(tokens[index + 1]) && isWord(tokens[index + 2], 'from')) {
      return index;
    }
  }
  return -1;
}

function strongFunction(tokens: SqlToken[]): number {
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    if ((token.kind === 'word' || token.kind === 'variable') && STRONG_NAMES.test(token.text)) {
      const called = tokens[index + 1]?.kind === 'open';
      const catalogue = token.text.includes('.') || token.text.startsWith('@@') || token.text === 'information_schema';
      if (called || catalogue) {
        return index;
      }
    }
    if (isWord(token, 'waitfor') && (isWord(tokens[index + 1], 'delay') || isWord(tokens[index + 1], 'time'))) {
      return index;
    }
    if (isWord(token, 'into') && (isWord(tokens[index + 1], 'outfile') || isWord(tokens[index + 1], 'dumpfile'))) {
      return index;
    }
  }
  return -1;
}

function ddlStatement(tokens: SqlToken[]): number {
  for (let index = 0; index + 1 < tokens.length; index++) {
    const token = tokens[index]!;
    const next = tokens[index + 1]!;
    const pairs = (isWord(token, 'create') || isWord(token, 'alter')) && next.kind === 'word' && DDL_OBJECTS.has(next.text);
    const drop = (isWord(token, 'drop') || isWord(token, 'truncate')) && next.kind === 'word' && DDL_OBJECTS.has(next.text) && endsDrop(tokens, index + 2);
    const insert = isWord(token, 'insert') && isWord(next, 'into');
    const remove = isWord(token, 'delete') && isWord(next, 'from');
    const update = isWord(token, 'update') && tokens.slice(index + 2, index + 5).some((later, offset) => isWord(later, 'set') && isAssignment(tokens, index + 3 + offset));
    if (pairs || drop || insert || remove || update) {
      return index;
    }
  }
  return -1;
}

// `drop table t1, t2 cascade;`: after `drop table` come names separated by
// commas, then at most `cascade`, `restrict` or `purge`, and the statement
// ends. `Drop Table Top Extender` (a product) goes on with more words.
function endsDrop(tokens: readonly SqlToken[], start: number): boolean {
  let index = start;
  if (isWord(tokens[index], 'if') && isWord(tokens[index + 1], 'exists')) {
    index += 2;
  }
  for (index += 1; index < tokens.length; index++) {
    const token = tokens[index]!;
    const separator = token.kind === 'comma';
    const name = token.kind === 'word' && tokens[index - 1]?.kind === 'comma';
    if (!separator && !name) {
      break;
    }
  }
  const after = tokens[index];
  const option = after !== undefined && after.kind === 'word' && ['cascade', 'restrict', 'purge'].includes(after.text);
  const end = tokens[option ? index + 1 : index];
  return end === undefined || end.kind === 'semicolon' || end.kind === 'comment' || end.kind === 'close' || end.kind === 'string';
}

// `1' order by 3--`, `1 group by 1 having 1=1`: result-shape probing after a break.
function orderByAfterBreak(tokens: SqlToken[], quoted: boolean): number {
  for (let index = 1; index + 2 < tokens.length; index++) {
    const clause = isWord(tokens[index], 'order') || isWord(tokens[index], 'group') || isWord(tokens[index], 'procedure');
    const target = tokens[index + 2]!;
    if (clause && isWord(tokens[index + 1], 'by') && (target.kind === 'number' || target.kind === 'open' || quoted || tokens[index + 3]?.kind === 'comment')) {
      return index;
    }
    if (isWord(tokens[index], 'having') && (isComparison(tokens[index + 2]) || tokens[index + 2]?.kind === 'open')) {
      return index;
    }
  }
  return -1;
}

// `' + char(65) + '`, `1 || version()`: a value function joined to a closed quote or number by an operator.
function valueFunctionAfterBreak(tokens: SqlToken[], quoted: boolean): number {
  for (let index = 1; index + 1 < tokens.length; index++) {
    const token = tokens[index]!;
    if (token.kind !== 'word' || !VALUE_FUNCTIONS.test(token.text) || tokens[index + 1]!.kind !== 'open') {
      continue;
    }
    const before = tokens[index - 1]!;
    const joined = before.kind === 'operator' || isBoolean(before) || isComparison(before) || before.kind === 'comma' || before.kind === 'open';
    if (joined && (quoted || tokens.slice(0, index).some((earlier) => earlier.kind === 'comment' || earlier.kind === 'semicolon' || isBoolean(earlier)))) {
      return index;
    }
  }
  return -1;
}

export const sqliRules: ValueRule[] = [{ class: 'sqli', detector: 'sqli.tokens', test: detectSqli }];
