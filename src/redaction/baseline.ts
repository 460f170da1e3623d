// The redaction that applies to every event, whatever the rules contain: the
// headers that carry credentials by definition and the detectors for
// credentials and card numbers. Rules add targets to it and cannot remove
// any. A rule set without a redact rule still keeps credential headers,
// the common credential query parameters, JWTs, bearer and basic
// credentials, AWS keys, private keys, provider tokens (GitHub, Slack,
// Stripe...) and card numbers out of the log.
// Other names, in queries or bodies, need a redact rule that names them.
import type { DetectorName, RedactionSpec } from '../model/record.js';
import { BASELINE_RULE } from './baseline-rule.js';
import { redactionSourceKey } from './redactor.js';
import { isSharedSpec, sharedSpec } from './shared-spec.js';

export { BASELINE_RULE } from './baseline-rule.js';

/**
 * Authorization and Proxy-Authorization (RFC 9110 §11.6.2, §11.7.2), Cookie
 * and Set-Cookie (RFC 6265), the common API key and session token headers,
 * and the AWS temporary-credential session token (SigV4's
 * X-Amz-Security-Token).
 *
 * Session id headers are bearer credentials: anyone who replays one acts as
 * the user until the session ends, so they are masked like cookies.
 * Webhook signature headers carry an HMAC of the body keyed with the
 * endpoint's shared secret (GitHub's X-Hub-Signature with SHA-1 and
 * X-Hub-Signature-256, Slack's X-Slack-Signature, Stripe-Signature,
 * Twilio's X-Twilio-Signature, Shopify's X-Shopify-Hmac-Sha256, HubSpot's
 * X-HubSpot-Signature and X-HubSpot-Signature-v3, and the
 * Webhook-Signature of the Standard Webhooks specification). Such a
 * signature lets an attacker who holds the body test guesses of a weak
 * secret offline, and it is replayable where the sender has no timestamp.
 */
export const BASELINE_HEADERS: readonly string[] = [
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token', 'x-amz-security-token',
  'ocp-apim-subscription-key', 'dd-api-key', 'dd-application-key', 'x-functions-key',
  'x-session-id', 'session-id', 'x-session', 'x-sessionid',
  'x-hub-signature', 'x-hub-signature-256', 'x-slack-signature', 'stripe-signature', 'x-twilio-signature', 'x-shopify-hmac-sha256',
  'x-hubspot-signature', 'x-hubspot-signature-v3', 'webhook-signature',
];

/**
 * Query parameters that carry credentials by convention: OAuth 2.0 tokens
 * (RFC 6750 section 2.3 allows access_token in the URI), client secrets,
 * passwords, API keys and session ids, in the underscore, hyphen and
 * camelCase spellings that APIs use (names compare case-insensitively),
 * one-time passwords and PINs, the PKCE code_verifier (RFC 7636), OAuth
 * 1.0's oauth_verifier and SAML messages, which carry signed assertions.
 */
export const BASELINE_QUERY_PARAMS: readonly string[] = [
  'access_token', 'access-token', 'id_token', 'refresh_token', 'auth_token', 'auth-token', 'client_secret', 'client-secret',
  'token', 'api_key', 'api-key', 'apikey', 'password', 'passwd', 'secret', 'accesstoken', 'private_token', 'private-token',
  'secret_key', 'aws_secret_access_key', 'session', 'sessionid', 'session_id', 'jsessionid', 'phpsessid',
  'pass', 'pwd', 'passphrase', 'credential', 'credentials', 'otp', 'pin', 'code_verifier', 'oauth_verifier', 'samlresponse', 'samlrequest',
];

/** Credentials and card numbers; personal data (email, us_ssn, iban) needs a redact rule, because some services must log it. */
export const BASELINE_DETECTORS: readonly DetectorName[] = ['card_number', 'jwt', 'bearer_token', 'basic_credentials', 'aws_access_key', 'private_key', 'provider_token'];

/** Source keys of every baseline target, built once because every logged event merges them. */
const BASELINE_SOURCE_KEYS: readonly string[] = [
  ...BASELINE_HEADERS.map((name) => redactionSourceKey('header', name)),
  ...BASELINE_QUERY_PARAMS.map((name) => redactionSourceKey('query_param', name)),
  ...BASELINE_DETECTORS.map((name) => redactionSourceKey('detector', name)),
];

/** Merged specs of shared specs, keyed by their sources map, with the spec they were merged from. */
const mergedShared = new WeakMap<ReadonlyMap<string, string>, { from: RedactionSpec; merged: RedactionSpec }>();

/**
 * Returns a spec with the baseline added to `spec`. A target that a rule
 * also names keeps that rule as its source; the others get BASELINE_RULE.
 * A shared spec (one redact action's, see shared-spec.ts) is merged once,
 * and every event gets the shared result. Merging it for each event took
 * about a tenth of the time of building one.
 */
export function withBaseline(spec: RedactionSpec): RedactionSpec {
  if (!isSharedSpec(spec)) {
    return mergeBaseline(spec);
  }

  const cached = mergedShared.get(spec.sources);
  if (cached !== undefined && sameCollections(cached.from, spec)) {
    return cached.merged;
  }
  const merged = sharedSpec(mergeBaseline(spec));
  mergedShared.set(spec.sources, { from: { ...spec }, merged });
  return merged;
}

function sameCollections(first: RedactionSpec, second: RedactionSpec): boolean {
  return first.headers === second.headers
    && first.queryParams === second.queryParams
    && first.cookies === second.cookies
    && first.detectors === second.detectors
    && first.patterns === second.patterns
    && first.sources === second.sources
    && first.styles === second.styles
    && first.jsonPaths === second.jsonPaths;
}

function mergeBaseline(spec: RedactionSpec): RedactionSpec {
  const merged: RedactionSpec = {
    headers: new Set([...spec.headers, ...BASELINE_HEADERS]),
    queryParams: new Set([...spec.queryParams, ...BASELINE_QUERY_PARAMS]),
    cookies: new Set(spec.cookies),
    detectors: new Set([...spec.detectors, ...BASELINE_DETECTORS]),
    patterns: new Map(spec.patterns),
    jsonPaths: new Set(spec.jsonPaths ?? []),
    sources: new Map(spec.sources),
    styles: new Map(spec.styles ?? []),
  };

  // Source keys are compared lower-case, as the Redactor reads them.
  const named = new Set([...spec.sources.keys()].map((key) => key.toLowerCase()));
  for (const key of BASELINE_SOURCE_KEYS) {
    if (!named.has(key)) {
      merged.sources.set(key, BASELINE_RULE);
    }
  }
  return merged;
}
