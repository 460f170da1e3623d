// provider_token: API tokens and keys that their issuers give a fixed,
// documented prefix so that secret scanners can find them, recognised
// whatever name or text surrounds them. The prefixes are case-sensitive.
//
// | provider | prefix and body |
// |---|---|
// | GitHub | `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` + 36 or more of [A-Za-z0-9_.-]; `github_pat_` + 22 + `_` + 59 |
// | GitLab | `glpat-`, `gldt-`, `glrt-`, `glptt-`, `glft-`, `glcbt-`, `glimt-`, `glagent-`, `gloas-`, `glsoat-`, `glffct-` + 20 or more |
// | Slack | `xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-`, `xoxc-`, `xoxd-`, `xoxe.xoxp-`, `xoxe-`, `xapp-` + 10 or more of [A-Za-z0-9-] |
// | Stripe | `sk_live_`, `sk_test_`, `rk_live_`, `rk_test_` + 10 or more alphanumerics; webhook secrets `whsec_` + 24 or more |
// | npm | `npm_` + exactly 36 alphanumerics |
// | Google | `AIza` + exactly 35 of [A-Za-z0-9_-] |
// | SendGrid | `SG.` + 16 to 32 + `.` + 16 to 64 of [A-Za-z0-9_-] |
// | Twilio | `SK` + exactly 32 lower-case hex digits (API key SID) |
// | OpenAI, Anthropic | `sk-proj-`, `sk-svcacct-`, `sk-admin-`, `sk-ant-api03-`, `sk-ant-admin01-` + 20 or more |
// | Shopify | `shpat_`, `shpca_`, `shppa_`, `shpss_` + exactly 32 hex digits |
// | PyPI | `pypi-AgEIcHlwaS5vcmc` (a macaroon for pypi.org) + 50 or more |
//
// Example: "token=ghp_0a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R" masks the value;
// "ghp_short", "pk_live_..." (a publishable Stripe key, public by design)
// and "TASK" + 32 hex digits do not match.
//
// Sources: GitHub's changelog of 2021-03-31 gives the prefixes and tells
// integrators to "plan to support tokens up to 255 characters". GitHub's
// notice of stateless `ghs_` tokens gives about 520 characters, with dots
// and dashes. GitLab's issues introduce `glpat-`, `gldt-` and `glrt-`, and a
// Stripe security engineer told GitLab's secret detection team that live
// keys may be 128 characters long. `xoxc-` and `xoxd-` are a Slack web
// client's session tokens.
// NOTE: the other GitLab prefixes, `xoxe`, and the OpenAI, Anthropic,
// Shopify and PyPI formats were written from the providers' usual formats
// without their documentation at hand; check them against it.
import type { Detector, Span } from './detector.js';

// Each format is a prefix and a body. Each variable-length body has an
// upper bound, so one match attempt reads at most that many characters, and
// a token longer than the bound is masked up to the bound. Fixed-length
// bodies end with a lookahead, so that a longer run of the same characters
// (an identifier, a hash) is not taken for a key.
// NOTE: 1020 for GitHub is headroom over the ~520 characters of stateless
// `ghs_` tokens; GitHub gives no maximum for them.
const TOKEN_FORMATS: ReadonlyArray<readonly [prefix: string, body: string]> = [
  ['gh[pousr]_', '[A-Za-z0-9_.-]{36,1020}'],
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
  ['SG\\.', '[A-Za-z0-9_-]{16,32}\\.[A-Za-z0-9_-]{16,64}'],
  ['SK[0-9a-f]', '[0-9a-f]{31}(?![A-Za-z0-9_-])'],
  ['sk-(?:proj|svcacct|admin|ant-api03|ant-admin01)-', '[A-Za-z0-9_-]{20,300}'],
  ['shp(?:at|ca|pa|ss)_', '[a-fA-F0-9]{32}(?![A-Za-z0-9_-])'],
  ['pypi-AgEIcHlwaS5vcmc', '[A-Za-z0-9_-]{50,300}'],
];

/**
 * A marker that every token contains, at most MAX_MARKER_OFFSET characters
 * after its start: its prefix, or for Stripe the `k_live_` or `k_test_` after
 * the `r` or `s`. Text without a marker is skipped, and the full scan starts
 * just before the first one. Markers start with letters that are rare in
 * text where possible, so this check is cheaper than the full pattern; see
 * docs/benchmarks.md for the figures.
 */
const MARKER_PATTERN = /gh[pousr]_|github_pat_|gl[a-z]{2,5}-|xox|xapp-|k_(?:live|test)_|whsec_|npm_|AIza|SG\.|SK[0-9a-f]|sk-|shp(?:at|ca|pa|ss)_|pypi-/;
const MAX_MARKER_OFFSET = 1;

// Linear in the text length: the lookbehind rejects a start inside a longer
// word, and every body is bounded, so one start costs at most the longest
// bound (1020 characters), and only at a literal prefix.
const PROVIDER_TOKEN_PATTERN = new RegExp(`(?<![A-Za-z0-9_])(?:${TOKEN_FORMATS.map(([prefix, body]) => prefix + body).join('|')})`, 'g');

export const providerTokenDetector: Detector = {
  name: 'provider_token',
  find(text, maxMatches) {
    const spans: Span[] = [];
    const marker = MARKER_PATTERN.exec(text);
    if (marker === null) {
      return spans;
    }

    PROVIDER_TOKEN_PATTERN.lastIndex = Math.max(0, marker.index - MAX_MARKER_OFFSET);
    let match = PROVIDER_TOKEN_PATTERN.exec(text);
    while (match !== null && spans.length < maxMatches) {
      spans.push({ start: match.index, end: match.index + match[0].length });
      match = PROVIDER_TOKEN_PATTERN.exec(text);
    }

    PROVIDER_TOKEN_PATTERN.lastIndex = 0;
    return spans;
  },
};
