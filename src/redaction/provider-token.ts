// provider_token: API tokens and keys that their issuers give a fixed,
// documented prefix so that secret scanners can find them, recognised
// whatever name or text surrounds them. The prefixes are case-sensitive.
//
// | provider | prefix and body |
// |---|---|
// | GitHub | `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` + 36 alphanumerics, then up to 984 more of [A-Za-z0-9_.-]; stateless `ghs_` + digits + `_` + 30 or more of [A-Za-z0-9_.-] with an upper-case letter in the first 61; `github_pat_` + 22 + `_` + 59 |
// | GitLab | `glpat-`, `gldt-`, `glrt-`, `glptt-`, `glft-`, `glcbt-`, `glimt-`, `glagent-`, `gloas-`, `glsoat-`, `glffct-` + 20 or more |
// | Slack | `xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-`, `xoxc-`, `xoxd-`, `xoxe.xoxp-`, `xoxe-`, `xapp-` + 10 or more of [A-Za-z0-9-] |
// | Stripe | `sk_live_`, `sk_test_`, `rk_live_`, `rk_test_` + 10 or more alphanumerics; webhook secrets `whsec_` + 24 or more |
// | npm | `npm_` + exactly 36 alphanumerics |
// | Google | `AIza` + exactly 35 of [A-Za-z0-9_-] |
// | SendGrid | `SG.` + 16 to 32 + `.` + exactly 43 of [A-Za-z0-9_-] |
// | Twilio | `SK` + exactly 32 lower-case hex digits (API key SID) |
// | OpenAI, Anthropic | `sk-proj-`, `sk-svcacct-`, `sk-admin-`, `sk-ant-api03-`, `sk-ant-admin01-` + 20 or more |
// | OpenAI legacy key | `sk-` + 20 alphanumerics + `T3BlbkFJ` + 20 alphanumerics |
// | Shopify | `shpat_`, `shpca_`, `shppa_`, `shpss_` + exactly 32 hex digits |
// | PyPI | `pypi-AgEIcHlwaS5vcmc` (a macaroon for pypi.org) + 50 or more |
// | Hugging Face | `hf_` + exactly 34 alphanumerics |
// | Docker | `dckr_pat_` + exactly 27 of [A-Za-z0-9_-] |
//
// Example: "token=ghp_0a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R" masks the value;
// "ghp_short", "pk_live_..." (a publishable Stripe key, public by design)
// and "TASK" + 32 hex digits do not match. A token right after a JSON string
// escape (`\n`, `\t`, `\u0041`...) in raw body text is found, although the
// escape ends in a letter or digit.
//
// Sources: GitHub's changelog of 2021-03-31 gives the prefixes and advises
// integrators to "plan to support tokens up to 255 characters". GitHub's
// notice of stateless `ghs_` tokens gives about 520 characters, with dots
// and dashes. GitLab's issues introduce `glpat-`, `gldt-` and `glrt-`, and a
// Stripe security engineer told GitLab's secret detection team that live
// keys may be 128 characters long. `xoxc-` and `xoxd-` are a Slack web
// client's session tokens.
// NOTE: the other GitLab prefixes, `xoxe`, and the OpenAI, Anthropic,
// Shopify, PyPI and Hugging Face formats were written from the providers'
// usual formats without their documentation at hand; check them against it.
// The Docker length of 27 comes from secret scanners' patterns (leaktk,
// docker-agent), not from Docker's documentation.
import type { Detector, Span } from './detector.js';
import { AFTER_ESCAPE } from './json-escape.js';

// Each format is a prefix and a body. Each variable-length body has an
// upper bound, so one match attempt reads at most that many characters, and
// a token longer than the bound is masked up to the bound. Fixed-length
// bodies end with a lookahead, so that a longer run of the same characters
// (an identifier, a hash) is not taken for a key.
// NOTE: 1020 for GitHub is headroom over the ~520 characters of stateless
// `ghs_` tokens; GitHub gives no maximum for them.
const TOKEN_FORMATS: ReadonlyArray<readonly [prefix: string, body: string]> = [
  // A classic token starts with 36 base62 characters, so a file name such as
  // `ghs_report_2024-01-01_final.tar.gz` is not taken for one. A stateless
  // `ghs_` token is an installation id and a signed JWT-like string. It must
  // contain an upper-case letter, which keeps out lower-case names like
  // `ghs_2024_annual_report_v2.tar.gz`.
  ['gh[pousr]_', '[A-Za-z0-9]{36}[A-Za-z0-9_.-]{0,984}'],
  ['ghs_', '[0-9]{1,20}_(?=[a-z0-9_.-]{0,60}[A-Z])[A-Za-z0-9_.-]{30,1000}'],
  ['github_pat_', '[A-Za-z0-9]{22,80}_[A-Za-z0-9]{59,160}'],
  ['gl(?:pat|dt|rt|ptt|ft|cbt|imt|agent|oas|soat|ffct)-', '[A-Za-z0-9_.-]{20,300}'],
  ['xox[abcdprs]-', '[A-Za-z0-9-]{10,250}'],
  ['xoxe\\.xox[bp]-', '[A-Za-z0-9-]{10,250}'],
  ['xoxe-', '[A-Za-z0-9-]{10,250}'],
  ['xapp-', '[A-Za-z0-9-]{10,250}'],
  ['[rs]k_(?:live|test)_', '[A-Za-z0-9]{10,247}'],
  ['whsec_', '[A-Za-z0-9+/]{24,250}'],
  ['npm_', '[A-Za-z0-9]{36}(?![A-Za-z0-9_-])'],
  ['AIza', '[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])'],
  // SendGrid's second part is 43 base64url characters. Requiring all 43
  // keeps out dotted names such as `SG.configuration_manager.default_x`.
  ['SG\\.', '[A-Za-z0-9_-]{16,32}\\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])'],
  // NOTE: `SK` + an md5 digest in lower-case hex has exactly this shape and
  // is masked too. The two cannot be distinguished, and masking a hash loses
  // less than logging a key.
  ['SK[0-9a-f]', '[0-9a-f]{31}(?![A-Za-z0-9_-])'],
  ['sk-(?:proj|svcacct|admin|ant-api03|ant-admin01)-', '[A-Za-z0-9_-]{20,300}'],
  ['sk-', '[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}(?![A-Za-z0-9_-])'],
  ['shp(?:at|ca|pa|ss)_', '[a-fA-F0-9]{32}(?![A-Za-z0-9_-])'],
  ['pypi-AgEIcHlwaS5vcmc', '[A-Za-z0-9_-]{50,300}'],
  ['hf_', '[A-Za-z0-9]{34}(?![A-Za-z0-9_-])'],
  ['dckr_pat_', '[A-Za-z0-9_-]{27}(?![A-Za-z0-9_-])'],
];

/**
 * A marker that every token contains, at most MAX_MARKER_OFFSET characters
 * after its start: its prefix, or the prefix without its first letter for
 * Stripe (`k_live_`, `k_test_`), Hugging Face (`f_`) and Docker (`ckr_pat_`).
 * Text without a marker is skipped, and the full scan starts just before
 * the first one. Markers start with letters that are rare in text where
 * possible, so this check is cheaper than the full pattern; see
 * docs/benchmarks.md for the figures. Markers `hf_` and `dckr_pat_` made
 * it twice as slow on ordinary text in bench/redaction-scan.ts.
 */
const MARKER_PATTERN = /gh[pousr]_|github_pat_|gl[a-z]{2,5}-|xox|xapp-|k_(?:live|test)_|whsec_|npm_|AIza|SG\.|SK[0-9a-f]|sk-|shp(?:at|ca|pa|ss)_|pypi-|f_|ckr_pat_/;
const MAX_MARKER_OFFSET = 1;

/** The boundary before a token: not inside a longer word, or right after a JSON string escape. */
const TOKEN_START = `(?:(?<![A-Za-z0-9_])|${AFTER_ESCAPE})`;

const TOKEN_PREFIXES = [...new Set(TOKEN_FORMATS.map(([prefix]) => prefix))].join('|');

const TOKEN_ALTERNATIVES = TOKEN_FORMATS.map(([prefix, body]) => prefix + body).join('|');

// Linear in the text length. The lookbehind rejects a start inside a longer
// word, and every body is bounded, so one start costs at most the longest
// bound (1,021 characters for a stateless `ghs_` token), and only at a
// literal prefix. The escape lookbehinds run at every position inside a
// word and made the scan about three times slower in bench/redaction-scan.ts,
// so only text with an escape character pays for them.
const PROVIDER_TOKEN_PATTERN = new RegExp(`(?<![A-Za-z0-9_])(?:${TOKEN_ALTERNATIVES})`, 'g');
const ESCAPED_PROVIDER_TOKEN_PATTERN = new RegExp(`${TOKEN_START}(?:${TOKEN_ALTERNATIVES})`, 'g');

/** A character that starts one of the escapes AFTER_ESCAPE accepts. */
const ESCAPE_MARK = /[\\%&=]/;

/**
 * A token prefix and at least one token character at the very end of the
 * text: the start of a token that a size limit cut. The cut part no longer
 * matches its format, so the detector cannot mask it.
 */
const CUT_TOKEN_TAIL_PATTERN = new RegExp(`${TOKEN_START}(?:${TOKEN_PREFIXES})[A-Za-z0-9_.+/=-]+$`, 'g');

/** Maximum length of the tail searched for a cut token, above the longest prefix and body (1,025 characters). */
const MAX_CUT_TAIL_CHARS = 1100;

/** Characters before a token start that TOKEN_START reads: the `\u` and 4 hex digits of an escape. */
const TOKEN_START_CONTEXT_CHARS = 6;

/**
 * Returns where a cut token starts at the end of `text`, or -1 when the text
 * does not end in a token prefix followed by token characters. Only the
 * trailing run of token characters is searched, so every prefix found there
 * runs to the end and the search is linear. At most MAX_CUT_TAIL_CHARS of
 * the run are read.
 */
export function findCutTokenTail(text: string): number {
  const limit = Math.max(0, text.length - MAX_CUT_TAIL_CHARS);
  let runStart = text.length;
  while (runStart > limit && isTokenChar(text.charCodeAt(runStart - 1))) {
    runStart -= 1;
  }
  if (runStart === text.length) {
    return -1;
  }

  const from = Math.max(0, runStart - TOKEN_START_CONTEXT_CHARS);
  CUT_TOKEN_TAIL_PATTERN.lastIndex = runStart - from;
  const match = CUT_TOKEN_TAIL_PATTERN.exec(text.slice(from));
  return match === null ? -1 : from + match.index;
}

/** Letters, digits and - . _ + / =, the characters of every token body and prefix. */
function isTokenChar(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)
    || code === 0x2d || code === 0x2e || code === 0x5f || code === 0x2b || code === 0x2f || code === 0x3d;
}

export const providerTokenDetector: Detector = {
  name: 'provider_token',
  find(text, maxMatches) {
    const spans: Span[] = [];
    const marker = MARKER_PATTERN.exec(text);
    if (marker === null) {
      return spans;
    }

    const pattern = ESCAPE_MARK.test(text) ? ESCAPED_PROVIDER_TOKEN_PATTERN : PROVIDER_TOKEN_PATTERN;
    pattern.lastIndex = Math.max(0, marker.index - MAX_MARKER_OFFSET);
    let match = pattern.exec(text);
    while (match !== null && spans.length < maxMatches) {
      spans.push({ start: match.index, end: match.index + match[0].length });
      match = pattern.exec(text);
    }

    pattern.lastIndex = 0;
    return spans;
  },
};
