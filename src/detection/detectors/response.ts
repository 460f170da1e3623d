// Response-side leaks: database error messages, stack traces and framework
// error pages, server-side source code, and pages that web shells render.
// The phrases are those the named products print.
import { firstMatch } from '../excerpt.js';
import type { ValueRule } from '../types.js';

const SQL_ERROR = /you have an error in your sql syntax|warning:\s*(?:mysqli?|pg|mssql|sqlite|oci|odbc|db2|ingres|sybase|maxdb|ifx|fbsql|ibase)_\w+\s*\(|\b(?:mysqli?|mssql|pg|sqlite|oci|odbc|db2)_(?:query|fetch_\w+|connect|exec|execute|num_rows|result)\s*\(\)|\bORA-\d{5}\b|\bPLS-\d{5}\b|\bSQLSTATE\[\w+\]|\bPG::\w+Error|\bpsql:\s*error|postgresql\s+query\s+failed|unterminated quoted string at or near|syntax error at or near|unclosed quotation mark (?:after|before) the character string|incorrect syntax near|microsoft (?:ole db provider|jet database engine|access driver)|\[microsoft\]\[odbc|\bODBC (?:SQL Server )?Driver\b|sqlite3?[.:]\s*\w*(?:error|exception)|sqlite_error|\bSQLiteException\b|near "[^"]*": syntax error|\bDB2 SQL error\b|\bSQLCODE\s*=\s*-\d+|dynamic sql error|\bSQL Server\b[^\n]{0,40}\berror\b|conversion failed when converting|the used select statements have a different number of columns|\bjava\.sql\.SQL\w*Exception|\bSQLSyntaxErrorException\b|\bHibernateException\b|\bsql command not properly ended\b|\bquoted string not properly terminated\b|\bInformix\b[^\n]{0,40}\berror\b|\bSybase message\b|\bmariadb server version for the right syntax\b|\bcolumn count doesn'?t match\b|\bdivision by zero\b[^\n]{0,40}\bsql\b|\bSQL syntax.*?\bMySQL\b|\bvalid (?:MySQL|PostgreSQL) result\b|\bMySqlException\b|\bNpgsqlException\b|\bSqlException\b|\bOracleException\b|\bCLI Driver\b.*\bSQL\d+/i;

const STACK_TRACE = /traceback \(most recent call last\)|\bat [\w$.]+\([\w$]+\.(?:java|kt|scala|groovy):\d+\)|exception in thread "|\bat [\w.`<>]+\.[\w<>`]+\([^)]*\) in [^\n]*:line \d+|server error in '[^']*' application|\b\w+(?:Exception|Error): [^\n]*\n\s+at |\bStack trace:\s*\n?\s*#0 |\bfatal error:\s*(?:uncaught|call to|allowed memory|maximum execution)[^\n]* in [^\n]+ on line \d+|\b(?:warning|notice|parse error|deprecated):\s*[^\n]* in [^\n]+\.php on line \d+|\bSystem\.(?:Web|Data|IO|NullReference|InvalidOperation|Argument)\w*Exception\b|\b(?:Http(?:Request|Compile|Parse|Unhandled)\w*|ViewState)Exception\b|\bHttp(?:RequestWrapper|ServerUtilityWrapper|SessionStateWrapper|StaticObjectsCollectionWrapper)\b|\b(?:ASP\.NET is configured to show verbose error messages|\[HttpException \(0x[0-9a-f]+\))|<title>\s*\d{3}(?:\.\d+)? - [^<]+<\/title>|\bRuntimeError\b[^\n]*\n[^\n]*\bfrom [^\n]+:\d+:in\b|\bgoroutine \d+ \[running\]|\bpanic: [^\n]+\n|\bnode:internal\/|\bat Object\.<anonymous> \(|\bjava\.lang\.\w+(?:Exception|Error)\b|\bat org\.apache\.|\bat sun\.reflect\.|\bWhitelabel Error Page\b|\bDjango Version:|\bWerkzeug Debugger\b|\bActionController::RoutingError\b/i;

const SOURCE_LEAK = /<\?(?:php(?=\s|$)|=\s*\$?\w|\s)|<%(?:@|=|\s)|<jsp:|<cfquery\b|<asp:|#!\/(?:usr\/)?bin\/(?:env\s+)?(?:perl|python|ruby|sh|bash)|^\s*import java\.|\bpackage [\w.]+;\s*import\b|<title>index of \/|<h1>index of \/|\[To Parent Directory\]|Directory Listing For \//i;

// Titles and banners web shells print, and the controls they render.
const WEB_SHELL = /<title>[^<]{0,80}\b(?:web ?shell|shell v|\w+ shell\b|backdoor|c99|r57|wso \d|wso\b|b374k|weevely|p0wny|alfa ?team|indoxploit|mini ?shell|priv8|uploader|hacked by)[^<]{0,80}<\/title>|<h1>[^<]{0,40}\bshell v|\bphp backdoor\b|\bbackdoor by\b|<input[^>]+name=["']?(?:cmd|command|exec)["']?[^>]*>[\s\S]{0,400}(?:uname|safe[_ ]mode|disable_functions)|\bSafe[_ ]mode:\s*(?:on|off)\b[\s\S]{0,200}\b(?:uname|disable_functions)/i;

/** Returns a database error message in `text`, or null. */
export function detectSqlError(text: string): string | null {
  return firstMatch(SQL_ERROR, text);
}

/** Returns a stack trace or framework error page in `text`, or null. */
export function detectStackTrace(text: string): string | null {
  return firstMatch(STACK_TRACE, text);
}

/** Returns server-side source code or a directory listing in `text`, or null. */
export function detectSourceLeak(text: string): string | null {
  return firstMatch(SOURCE_LEAK, text);
}

/** Returns the web shell banner or controls in `text`, or null. */
export function detectWebShell(text: string): string | null {
  return firstMatch(WEB_SHELL, text);
}

export const responseRules: ValueRule[] = [
  { class: 'sql_error', detector: 'response.sql_error', test: detectSqlError },
  { class: 'stack_trace', detector: 'response.stack_trace', test: detectStackTrace },
  { class: 'source_leak', detector: 'response.source_leak', test: detectSourceLeak },
  { class: 'web_shell', detector: 'response.web_shell', test: detectWebShell },
];
