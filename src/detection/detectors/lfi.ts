// Path traversal and local file inclusion: climbing out of a directory, or
// naming a file that only the operating system or the server's own
// configuration should read.
import { excerpt, firstMatch } from '../excerpt.js';
import type { ValueRule } from '../types.js';
import { continuesAsProse } from './prose.js';

// `..` followed by a separator, in any of the spellings decoders leave
// behind: `/`, `\`, and the fullwidth or overlong forms after decoding.
const TRAVERSAL = /(?:^|[\\/=:;,|])\.{2,}[\\/\uff0f\u2215\u2044]|[\\/\uff0f\u2215]\.{2,}(?:[\\/\uff0f\u2215]|$)|\.\.[\\/]|\.\.\.\.\/\//;

// Files an application never serves: credentials, process state, shell
// history, OS configuration, and the server's own configuration files.
const SYSTEM_FILES = /(?:^|[\\/\s'"=:])(?:etc[\\/]+(?:passwd|shadow|subuid|subgid|group|hosts|issue|motd|crontab|sudoers|fstab|hostname|profile|environment|mysql|httpd|apache2|nginx|ssh|security|pam\.d|os-release|resolv\.conf|master\.passwd|gshadow|inittab|network|ld\.so)|proc[\\/]+[a-z0-9_]+|sys[\\/]+(?:class|kernel|devices|block|bus|firmware|module|power|fs)\b|tmp[\\/]|dev[\\/]+(?:tcp|udp|shm|mem|kmem|sd[a-z]|fd)\b|var[\\/]+(?:log|lib|run|mail|spool|www[\\/]+html\/.*\.(?:php|conf))|usr[\\/]+local[\\/]+(?:etc|apache)|root[\\/]|home[\\/]+\w+[\\/]+\.|boot\.ini|win\.ini|system\.ini|(?:windows|winnt)[\\/]+(?:system32|win\.ini|repair|php\.ini|debug)|inetpub[\\/]|system32[\\/]|sam$|\.(?:htaccess|htpasswd|htdigest|bash_history|bash_profile|bashrc|zsh_history|ssh[\\/]|aws[\\/]|docker|git[\\/]|svn[\\/]|hg[\\/]|env$|env\.|ds_store|npmrc|pgpass|my\.cnf|mysql_history|netrc|gnupg|kube|cache)|web\.config|applicationhost\.config|wp-config\.php|config\.(?:inc\.)?php|localsettings\.php|id_(?:rsa|dsa|ecdsa|ed25519)|authorized_keys|known_hosts|php\.ini|my\.ini|httpd\.conf|nginx\.conf|server\.xml|tomcat-users\.xml|web\.xml|WEB-INF[\\/]|META-INF[\\/])/i;

// `0x2e` and `0x5c` spell `.` and `\` in hex for decoders that accept it; NUL bytes cut C strings.
const HEX_PATH_CHARACTERS = /0x(2e|2f|5c)/gi;

/** Returns the traversal in `text`, or null. */
export function detectTraversal(text: string): string | null {
  if (!text.includes('..') && !text.includes('0x')) {
    return null;
  }
  const path = text.replace(HEX_PATH_CHARACTERS, (_whole, hex: string) => String.fromCharCode(parseInt(hex, 16))).replaceAll('\x00', '').replaceAll('\\', '/');
  return path.includes('..') ? openedPath(TRAVERSAL_ALL, path) : null;
}

/** Returns the restricted file name in `text`, or null. */
export function detectSystemFile(text: string): string | null {
  return openedPath(SYSTEM_FILES_ALL, text);
}

const TRAVERSAL_ALL = new RegExp(TRAVERSAL.source, 'g');
const SYSTEM_FILES_ALL = new RegExp(SYSTEM_FILES.source, 'gi');

// A file is opened by its whole name, so a path that a sentence goes on
// after (`/etc/hosts file location`, `see php.ini on ubuntu`) names no file
// that exists: it is mentioned, not requested.
function openedPath(pattern: RegExp, text: string): string | null {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const tokenEnd = /^\S*/.exec(text.slice(match.index + match[0].length))![0].length + match.index + match[0].length;
    if (!continuesAsProse(text, tokenEnd)) {
      return excerpt(text, match.index, Math.max(match[0].length, 64));
    }
    if (match[0].length === 0) {
      pattern.lastIndex += 1;
    }
  }
  return null;
}

// Backups and logs that a web root should never serve: `db.sql.zip`, `site.bak`, `debug.log`.
const BACKUP_OR_LOG = /[\w-]\.(?:sql|bak|backup|old|orig|save|swp|dump|sqlite3?|mdb|db)(?:\.(?:zip|gz|tgz|tar|7z|bz2|xz|rar))?$|\b(?:debug|errors?|access|install|php_errors?)[._]log$/i;
// A hidden file or folder in a URL path (`/.git/config`, `/.env`), except RFC 8615 `/.well-known/`.
const HIDDEN_PATH_SEGMENT = /\/\.(?!well-known\/)[\w-][\w.-]*/;

/** Returns the backup, log or hidden file named in a URL path, or null; other locations are ignored. */
export function detectRestrictedPath(text: string, location: string): string | null {
  if (location !== 'path') {
    return firstMatch(BACKUP_OR_LOG, text);
  }
  return firstMatch(HIDDEN_PATH_SEGMENT, text) ?? firstMatch(BACKUP_OR_LOG, text);
}

export const lfiRules: ValueRule[] = [
  { class: 'lfi', detector: 'lfi.restricted_path', test: detectRestrictedPath },
  { class: 'lfi', detector: 'lfi.traversal', test: detectTraversal },
  { class: 'lfi', detector: 'lfi.system_file', test: detectSystemFile },
];
