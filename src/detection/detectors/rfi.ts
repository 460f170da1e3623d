// Remote file inclusion: a parameter that is a URL an include() or a
// fetcher would load code from. Links in ordinary form fields are common, so
// a URL counts only with a sign that it targets an include. The signs are a
// parameter named like an include path, an IP literal host, a trailing `?`
// or `#` that cuts off the suffix the application appends, a script or text
// file, and a file-sharing scheme.
import { excerpt } from '../excerpt.js';
import type { ValueRule } from '../types.js';

const URL_START = /(?:^|[\s=;'"(|])((?:https?|ftps?|ftpes|sftp|smb|webdav|dict|gopher|tftp|ldap|file):\/\/[^\s'"<>]*|\\\\[\w.-]+\\[^\s]*)/i;
const IP_HOST = /^[a-z]+:\/\/(?:[^@/]*@)?(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]|0x[0-9a-f]+|\d{8,10})(?::\d+)?(?:[/?#]|$)/i;
const TRUNCATION = /(?:\?|#|%00|\x00)$/;
const INCLUDE_TARGET = /\.(?:txt|php\d?|phtml|inc|sh|pl|py|rb|jsp|asp|aspx|cgi|gif\?|jpg\?|exe|dat|ps1)(?:[?#]|$)/i;
const SHARE_SCHEME = /^(?:ftps?|ftpes|sftp|smb|webdav|tftp|\\\\)/i;
// Parameter names that applications pass to include() or a template loader.
const INCLUDE_PARAMETER = /(?:^|[._[\]-])(?:path|file|filename|include|inc|dir|root|template|tpl|page|module|mod|lang|language|conf|config|base|basepath|absolute_path|doc|document|folder|load|require|src|theme|skin|layout|view|action|show|site|content|cat|pg|style|plugin|class_path|home)(?:$|[._[\]-])/i;

/** Returns the include-shaped URL in `text`, or null; `location` gives the parameter name. */
export function detectRfi(text: string, location: string): string | null {
  if (!text.includes('://') && !text.startsWith('\\\\')) {
    return null;
  }
  const match = URL_START.exec(text);
  const url = match?.[1];
  if (match === null || url === undefined) {
    return null;
  }
  const includeName = match.index === 0 && INCLUDE_PARAMETER.test(location.slice(location.indexOf('.') + 1));
  const suspicious = IP_HOST.test(url) || TRUNCATION.test(url) || INCLUDE_TARGET.test(url) || SHARE_SCHEME.test(url) || includeName;
  return suspicious ? excerpt(text, match.index + match[0].indexOf(url)) : null;
}

// Referer and Origin carry the site's own URLs, and an include reads parameters, so headers are not inspected.
export const rfiRules: ValueRule[] = [{ class: 'rfi', detector: 'rfi.url', test: detectRfi, parametersOnly: true }];
