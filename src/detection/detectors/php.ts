// PHP injection: PHP open tags, stream wrappers, superglobals, variable
// variables, serialized objects, php.ini directives, and calls to functions
// that run code, reach the system or decode hidden payloads.
import { excerpt, firstMatch } from '../excerpt.js';
import type { ValueRule } from '../types.js';
import { continuesAsProse } from './prose.js';

// `<?php` followed by code (a tag with nothing after it runs nothing), `<?=`,
// a short tag ending the value (its code follows in the next parameter), a short tag followed by code, a `<?xml` that is no XML
// declaration (PHP reads it as a short tag), and template tags that embed
// PHP (Smarty `{php}`, BBCode-style `[php]`).
const OPEN_TAG = /<\?(?:\s*php\s+\S|=|$|\s*(?:echo|print|include|require|eval|system|exec|passthru)\b|\s*[\w$]+\s*[(;=$'"]|\s*[\w$]+\s+[\w$]+\s*[(;]|xml(?!\s+version|-stylesheet)\s*[:(\s])|[[{]\s*(?:[/\\]\s*)?php\s*[\]}]|<script\s+language\s*=\s*["']?php/i;
const WRAPPER = /\b(?:php|phar|zlib|glob|expect|ogg|rar|ssh2(?:\.\w+)?|compress\.(?:zlib|bzip2)|zip|data)\s*:\/\//i;
// `data:…;base64,` is also how pages embed images. Included, it runs only
// the PHP tags inside it, so the decoded content must open one.
const BASE64_DATA_URL = /\bdata\s*:\s*[\w/+.-]*;base64,([A-Za-z0-9+/=\s]{0,4096})/i;
// `$_SERVER`, `$GLOBALS`: PHP's lexer allows no space inside a variable name.
const SUPERGLOBAL = /\$_(?:GET|POST|SERVER|COOKIE|REQUEST|FILES|ENV|SESSION)\b|\$(?:GLOBALS|HTTP_\w+_VARS)\b/i;
// `${'name'}`, `${$name}` and `$ {name}` (PHP alone allows the space) are
// PHP's own. `${name}` is also how shells, JavaScript templates and
// configuration files write a placeholder inside other text (`${HOME}/data`),
// so it counts only as the whole value or when PHP syntax follows: a call,
// an index, an assignment, `->`.
const VARIABLE_VARIABLE = /\$\s*\{\s*(?:['"$])|\$\s+\{\s*\w+\s*\}|^\s*\$\{\s*\w+\s*\}\s*$|\$\{\s*\w+\s*\}\s*(?:\(|\[|=(?!=)|->)/;
const SERIALIZED_OBJECT = /\b[OC]:\+?\d+:"[\w\\]+":\d+:\{|\ba:\d+:\{[sibdNO]:/;
const INI_DIRECTIVE = /^\s*(?:(?:mbstring|opcache|session|zend|pcre|mysqli|pdo_mysql|xdebug|assert|date|mail|soap|url_rewriter|zlib|iconv|intl|filter|phar|apc|apcu|mysqlnd|sqlite3|odbc|pgsql|ldap|curl|openssl|cgi|fastcgi|user_ini|highlight|arg_separator|ffi)\.[a-z_.]+|precision|serialize_precision|unserialize_max_depth|unserialize_callback_func|smtp|smtp_port|sendmail_from|post_max_size|upload_max_filesize|max_input_vars|max_input_time|output_buffering|output_handler|html_errors|log_errors|variables_order|request_order|default_charset|file_uploads|expose_php|enable_dl|auto_detect_line_endings|allow_url_(?:include|fopen)|auto_(?:prepend|append)_file|disable_functions|open_basedir|safe_mode|register_globals|opcache\.[\w.]+|engine|short_open_tag|display_errors|error_log|include_path|extension(?:_dir)?|sendmail_path|mail\.\w+|session\.\w+|zend\.\w+|ffi\.\w+|xdebug\.\w+|max_execution_time|memory_limit|upload_tmp_dir|user_ini\.\w+|cgi\.\w+)\s*=/i;

// Function names whose call in a parameter means code, commands, file
// writes or decoded payloads. Whitespace, comments and casing between the
// name and `(` are tolerated, as PHP's parser does.
const DANGEROUS_FUNCTIONS = [
  'eval', 'assert', 'system', 'exec', 'shell_exec', 'passthru', 'popen', 'proc_open', 'pcntl_exec', 'pcntl_fork', 'create_function', 'call_user_func', 'call_user_func_array', 'array_map', 'array_filter', 'array_walk', 'usort', 'uasort', 'preg_replace', 'preg_replace_callback', 'register_shutdown_function', 'register_tick_function', 'forward_static_call', 'invoke', 'invokeargs',
  'include', 'include_once', 'require', 'require_once', 'file_get_contents', 'file_put_contents', 'fopen', 'fwrite', 'fputs', 'fread', 'file', 'readfile', 'fpassthru', 'copy', 'rename', 'unlink', 'rmdir', 'mkdir', 'chmod', 'chown', 'chgrp', 'touch', 'symlink', 'link', 'tempnam', 'tmpfile', 'move_uploaded_file', 'parse_ini_file', 'highlight_file', 'show_source', 'scandir', 'glob', 'opendir', 'readdir', 'dir', 'chroot', 'chdir', 'getcwd', 'disk_free_space', 'stream_get_contents', 'stream_socket_client', 'fsockopen', 'pfsockopen', 'socket_create', 'curl_exec', 'curl_init', 'ftp_connect', 'mail', 'mb_send_mail', 'putenv', 'getenv', 'ini_set', 'ini_get', 'ini_restore', 'set_include_path', 'dl', 'apache_setenv', 'phpinfo', 'phpversion', 'php_uname', 'posix_getpwuid', 'posix_kill', 'posix_setuid', 'posix_getuid', 'getmypid', 'getmyuid', 'get_current_user', 'gethostbyname', 'gethostbynamel', 'gethostbyaddr', 'dns_get_record', 'checkdnsrr', 'getmxrr', 'ldap_connect', 'ldap_search', 'ldap_get_entries', 'pg_connect', 'pg_query', 'pg_enter_pipeline_mode', 'mysql_query', 'mysqli_query', 'sqlite_query', 'oci_execute', 'xml_parse', 'simplexml_load_string', 'simplexml_load_file',
  'filegroup', 'fileinode', 'fileatime', 'filectime', 'base64_decode', 'base64_encode', 'gzinflate', 'gzdecode', 'gzuncompress', 'gzencode', 'gzcompress', 'bzdecompress', 'bzcompress', 'lzf_decompress', 'str_rot13', 'convert_uudecode', 'hex2bin', 'bin2hex', 'hexdec', 'chr', 'ord', 'pack', 'unpack', 'urldecode', 'rawurldecode', 'strrev', 'str_replace', 'substr', 'implode', 'explode', 'serialize', 'unserialize', 'var_dump', 'print_r', 'var_export', 'debug_zval_dump', 'get_defined_vars', 'get_defined_functions', 'get_defined_constants', 'func_get_args', 'extract', 'parse_str', 'compact', 'constant', 'define', 'function_exists', 'class_exists', 'method_exists', 'is_callable', 'ob_start', 'ob_get_contents', 'header', 'setcookie', 'session_start', 'escapeshellcmd', 'escapeshellarg', 'proc_nice', 'proc_terminate', 'proc_get_status', 'set_error_handler', 'set_exception_handler', 'spl_autoload_register', 'iterator_apply', 'array_reduce', 'array_diff_ukey', 'array_udiff', 'array_uintersect', 'uksort', 'stream_wrapper_register', 'stream_filter_append', 'mb_ereg_replace', 'mb_eregi_replace', 'ereg_replace', 'eregi_replace', 'yaml_parse', 'simplexml_import_dom', 'xmlrpc_decode', 'get_headers', 'getallheaders', 'apache_request_headers', 'gzopen', 'gzfile', 'gzread', 'bzopen', 'zip_open', 'zip_read', 'phar', 'print', 'echo', 'printf', 'sprintf', 'vsprintf', 'fprintf', 'fscanf', 'sscanf', 'preg_match', 'preg_split', 'levenshtein', 'similar_text', 'str_pad', 'str_repeat', 'strtolower', 'strtoupper', 'ucfirst', 'lcfirst', 'ucwords', 'md5', 'sha1', 'crc32', 'crypt', 'hash', 'hash_hmac', 'mt_rand', 'rand', 'uniqid', 'lcg_value', 'microtime', 'time', 'date', 'mktime', 'strtotime', 'sleep', 'usleep', 'set_time_limit', 'ignore_user_abort', 'error_reporting', 'error_log', 'trigger_error', 'debug_backtrace', 'debug_print_backtrace', 'exit', 'die', 'is_file', 'is_dir', 'is_writable', 'is_readable', 'file_exists', 'filesize', 'filemtime', 'fileperms', 'fileowner', 'realpath', 'basename', 'dirname', 'pathinfo', 'fnmatch', 'fflush', 'flock', 'ftruncate', 'fseek', 'ftell', 'rewind', 'feof', 'fgets', 'fgetc', 'fgetcsv', 'fputcsv', 'fclose', 'pclose', 'proc_close', 'stream_select', 'stream_context_create', 'stream_socket_server', 'socket_bind', 'socket_listen', 'socket_accept', 'socket_connect', 'socket_read', 'socket_write', 'socket_send', 'socket_recv', 'checkdate', 'mb_strlen', 'iconv', 'utf8_decode', 'utf8_encode', 'htmlspecialchars_decode', 'html_entity_decode', 'quoted_printable_decode', 'convert_cyr_string', 'strval', 'intval', 'settype', 'gettype', 'array_key_exists', 'in_array', 'count', 'sizeof', 'array_keys', 'array_values', 'array_merge', 'array_combine', 'array_flip', 'array_slice', 'array_splice', 'array_pop', 'array_push', 'array_shift', 'array_unshift', 'end', 'reset', 'key', 'current', 'next', 'prev', 'each', 'list', 'range', 'shuffle', 'str_split', 'strpos', 'stripos', 'strrpos', 'strstr', 'stristr', 'strrchr', 'substr_count', 'trim', 'ltrim', 'rtrim', 'nl2br', 'strip_tags', 'addslashes', 'stripslashes', 'quotemeta', 'wordwrap', 'chunk_split', 'number_format', 'money_format', 'localeconv', 'setlocale', 'nl_langinfo', 'soundex', 'metaphone', 'http_build_query', 'parse_url', 'urlencode', 'rawurlencode', 'json_decode', 'json_encode', 'filter_var', 'filter_input', 'mb_convert_encoding', 'gethostname', 'openlog', 'syslog', 'readline', 'readline_add_history', 'fgetss', 'get_cfg_var', 'get_magic_quotes_gpc', 'getlastmod', 'getmygid', 'getmyinode', 'getrusage', 'memory_get_usage', 'sys_get_temp_dir', 'zend_version', 'gc_collect_cycles', 'spl_object_hash', 'class_implements', 'get_class_methods', 'get_object_vars', 'get_parent_class', 'is_subclass_of', 'property_exists', 'reflectionfunction', 'reflectionclass', 'reflectionmethod', 'closure', 'fromcallable', 'bind', 'bindto', 'newinstance', 'newinstanceargs',
];
// Functions that only compute, inspect or look up (string case, hashing,
// dates, file metadata, array helpers, DNS lookups). Their names also end
// ordinary identifiers (`xucfirst`, `mycheckdate`), so they count only as
// whole words. A lone call such as `filemtime($f)` shows an attacker
// nothing, since its result is not printed, and it reads like a template or
// a code sample, so these count only inside code (HARMLESS_CALL). `printf`
// prints, which makes it a probe, so it is not listed.
const HARMLESS_FUNCTIONS = new Set(['strtolower', 'strtoupper', 'ucfirst', 'lcfirst', 'ucwords', 'md5', 'sha1', 'crc32', 'hash', 'hash_hmac', 'mt_rand', 'rand', 'uniqid', 'lcg_value', 'microtime', 'time', 'date', 'mktime', 'strtotime', 'checkdate', 'mb_strlen', 'str_pad', 'str_repeat', 'levenshtein', 'similar_text', 'soundex', 'metaphone', 'is_file', 'is_dir', 'is_writable', 'is_readable', 'file_exists', 'filesize', 'filemtime', 'fileperms', 'fileowner', 'filegroup', 'fileinode', 'fileatime', 'filectime', 'realpath', 'basename', 'dirname', 'pathinfo', 'fnmatch', 'number_format', 'trim', 'ltrim', 'rtrim', 'nl2br', 'strip_tags', 'addslashes', 'stripslashes', 'quotemeta', 'wordwrap', 'chunk_split', 'strpos', 'stripos', 'strrpos', 'strstr', 'stristr', 'strrchr', 'substr_count', 'str_split', 'in_array', 'count', 'sizeof', 'array_key_exists', 'array_keys', 'array_values', 'array_merge', 'array_combine', 'array_flip', 'array_slice', 'array_splice', 'array_pop', 'array_push', 'array_shift', 'array_unshift', 'strval', 'intval', 'settype', 'gettype', 'json_encode', 'urlencode', 'rawurlencode', 'http_build_query', 'localeconv', 'setlocale', 'nl_langinfo', 'money_format', 'sprintf', 'vsprintf', 'sscanf', 'preg_match', 'preg_split', 'range', 'shuffle', 'end', 'reset', 'key', 'current', 'next', 'prev', 'gethostbyname', 'gethostbynamel', 'gethostbyaddr', 'gethostname', 'dns_get_record', 'checkdnsrr', 'getmxrr']);
// Only names that a benign value hardly ever carries before `(`; common English words need more context.
const COMMON_WORDS = new Set(['print', 'echo', 'file', 'copy', 'rename', 'link', 'touch', 'dir', 'mail', 'header', 'key', 'current', 'next', 'prev', 'end', 'reset', 'each', 'list', 'range', 'count', 'time', 'date', 'sleep', 'exit', 'die', 'trim', 'hash', 'bind', 'closure', 'invoke', 'define', 'constant', 'extract', 'compact', 'rand', 'glob', 'implode', 'explode', 'substr', 'sizeof', 'flock', 'rewind', 'shuffle', 'soundex', 'metaphone', 'crypt', 'pack', 'unpack', 'ord', 'chr', 'strval', 'intval', 'phar', 'md5', 'sha1', 'crc32']);
const BETWEEN_NAME_AND_CALL = String.raw`(?:\s|/\*[\s\S]*?\*/|#[^\n]*\n|//[^\n]*\n)*`;
const STRONG_NAMES = DANGEROUS_FUNCTIONS.filter((name) => !COMMON_WORDS.has(name) && !HARMLESS_FUNCTIONS.has(name));
const HARMLESS_NAMES = [...HARMLESS_FUNCTIONS].filter((name) => !COMMON_WORDS.has(name)).join('|');
// A call needs its argument list: `exec (` at the end of a value calls nothing.
// Long names that only PHP uses (`base64_decode(`) count without one, below.
const ARGUMENTS = String.raw`\((?!\s*$)`;
const STRONG_CALL = new RegExp(`(?<![\\w$>:.-])(?:${STRONG_NAMES.join('|')})${BETWEEN_NAME_AND_CALL}${ARGUMENTS}`, 'i');
const COMMON_CALL = new RegExp(`(?<![\\w$>:.-])(?:${[...COMMON_WORDS].join('|')})${BETWEEN_NAME_AND_CALL}\\(\\s*(?:\\$|['"][^'"]*['"]\\s*[.,)]|\\d+\\s*\\)|\\w+\\s*[()]|\\))`, 'i');
// PHP's own function families share these prefixes (`posix_getegid`, `is_array`, `gzdecode`), so a call to
// any of them is PHP even when the name is not listed, and even glued to other text.
const PREFIXED_CALL = new RegExp(`(?:is|array|str|mb|posix|preg|file|zlib|ftp|curl|proc|pcntl|stream|socket|xml|json|ob|session|mysql|mysqli|pg|sqlite|ldap|openssl|hash|iconv|ctype|func|call_user|get|set|ini|php|highlight|show|apache|assert|filter|spl|class|method|var|debug|error|register|create|fsock|gz|bz|base64|convert_uu|str_rot|shell|passthru|escapeshell)_?[a-z0-9_]*${BETWEEN_NAME_AND_CALL}${ARGUMENTS}`, 'i');
// A harmless call inside code: after a statement end, an assignment, a
// concatenation or an opening parenthesis, or ended by `;` or `?>`.
const HARMLESS_CALL = new RegExp(`[;=.(]\\s*(?:${HARMLESS_NAMES})${BETWEEN_NAME_AND_CALL}${ARGUMENTS}|(?<![\\w$>:.-])(?:${HARMLESS_NAMES})${BETWEEN_NAME_AND_CALL}\\([^()]*\\)\\s*(?:;|\\?>)`, 'i');
const LONG_NAME_CALL = new RegExp(`(?:${STRONG_NAMES.filter((name) => name.length >= 7 && !HARMLESS_FUNCTIONS.has(name)).join('|')})${BETWEEN_NAME_AND_CALL}\\(`, 'i');
// A function name as a string or in brackets, then called: `("system")("id")`, `"exec"(x)`.
const INDIRECT_CALL = new RegExp(`[("']\\s*(?:${STRONG_NAMES.join('|')})\\s*['")]\\s*\\)?\\s*\\(`, 'i');

/** Returns PHP code, a PHP wrapper or a php.ini directive in `text`, or null. */
export function detectPhp(text: string): string | null {
  return firstMatch(OPEN_TAG, text)
    ?? (text.includes(':') ? firstMatch(WRAPPER, text) ?? phpDataUrl(text) : null)
    ?? (text.includes('$') ? firstMatch(SUPERGLOBAL, text) ?? firstMatch(VARIABLE_VARIABLE, text) : null)
    ?? (text.includes(':') ? firstMatch(SERIALIZED_OBJECT, text) : null)
    ?? firstMatch(INI_DIRECTIVE, text)
    ?? (text.includes('(') ? phpCall(text) : null);
}

function phpDataUrl(text: string): string | null {
  const match = BASE64_DATA_URL.exec(text);
  if (match === null) {
    return null;
  }
  const content = Buffer.from(match[1]!, 'base64').toString('latin1');
  return content.includes('<?') ? excerpt(text, match.index) : null;
}

function phpCall(text: string): string | null {
  const prefixed = PREFIXED_CALL.exec(text);
  const underscored = prefixed !== null && prefixed[0].includes('_');
  return codeCall(STRONG_CALL_ALL, text)
    ?? codeCall(COMMON_CALL_ALL, text)
    ?? codeCall(HARMLESS_CALL_ALL, text)
    ?? (underscored ? codeCall(PREFIXED_CALL_ALL, text) : null)
    ?? codeCall(LONG_NAME_CALL_ALL, text)
    ?? codeCall(INDIRECT_CALL_ALL, text);
}

const STRONG_CALL_ALL = new RegExp(STRONG_CALL.source, 'gi');
const COMMON_CALL_ALL = new RegExp(COMMON_CALL.source, 'gi');
const HARMLESS_CALL_ALL = new RegExp(HARMLESS_CALL.source, 'gi');
const PREFIXED_CALL_ALL = new RegExp(PREFIXED_CALL.source, 'gi');
const LONG_NAME_CALL_ALL = new RegExp(LONG_NAME_CALL.source, 'gi');
const INDIRECT_CALL_ALL = new RegExp(INDIRECT_CALL.source, 'gi');
// Words PHP allows after a complete call: `f() or die()`, `$x instanceof Y`.
const PHP_OPERATORS: ReadonlySet<string> = new Set(['or', 'and', 'xor', 'instanceof', 'as']);

// PHP rejects a plain word right after a call (`count(1) performance`,
// `eval() is evil`), so a call that a sentence goes on after is prose that
// names a function, not code.
function codeCall(pattern: RegExp, text: string): string | null {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const end = callEnd(text, match.index + match[0].lastIndexOf('('));
    if (end === -1 || !continuesAsProse(text, end, PHP_OPERATORS)) {
      return excerpt(text, match.index, Math.max(match[0].length, 64));
    }
  }
  return null;
}

// Returns the index after the call that opens at `open`, with any chained
// calls (`->x()`, `::x()`, `.x()`), or -1 when its parentheses do not close.
function callEnd(text: string, open: number): number {
  let index = open;
  for (;;) {
    const close = closingParenthesis(text, index);
    if (close === -1) {
      return -1;
    }
    const chained = /^\s*(?:->|::|\.)\s*\w+\s*\(/.exec(text.slice(close + 1));
    if (chained === null) {
      return close + 1;
    }
    index = close + chained[0].length;
  }
}

function closingParenthesis(text: string, open: number): number {
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    if (text[index] === '(') {
      depth += 1;
    } else if (text[index] === ')') {
      depth -= 1;
    }
    if (depth === 0) {
      return index;
    }
  }
  return -1;
}

export const phpRules: ValueRule[] = [{ class: 'php', detector: 'php.code', test: detectPhp }];
