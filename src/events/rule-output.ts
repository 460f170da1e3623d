// The parts of an event that come from rule actions other than log itself:
// simulated changes, held-back counts, detection payloads and the debug
// trace. Each string passes through the event's redactor, like the rest.
import type { Exchange } from '../model/exchange.js';
import type { PayloadDecision, TransactionRecord } from '../model/record.js';
import { cutUtf8, trimTokenEdge } from '../redaction/cut.js';
import type { TargetKind } from '../redaction/target-names.js';
import { SCAN_MARGIN_CHARS, type Redactor } from '../redaction/redactor.js';
import { MAX_BODY_BYTES } from '../detection/limits.js';
import type { PayloadExcerpt, SecurityEvent } from './security-event.js';
import { readableBytes } from '../model/readable-body.js';

type RuleOutput = Pick<SecurityEvent['ctxproc'], 'simulated' | 'suppressed' | 'payloads' | 'debug'>;

/** Returns the rule output sections of the event; absent sections are undefined. */
export function ruleOutput(redactor: Redactor, record: TransactionRecord, exchange: Exchange): RuleOutput {
  const simulated = record.simulated.map(({ rule, action, detail }) => ({ rule, action, detail: redactor.text('ctxproc.simulated.detail', detail) }));
  const suppressed = (record.log?.suppressed ?? []).map(({ rule, key, count }) =>
    key === undefined ? { rule, count } : { rule, key: redactor.text('ctxproc.suppressed.key', key), count });
  const payloads = record.payloads.map((payload) => payloadExcerpt(redactor, payload, exchange));

  return {
    simulated: simulated.length > 0 ? simulated : undefined,
    suppressed: suppressed.length > 0 ? suppressed : undefined,
    payloads: payloads.length > 0 ? payloads : undefined,
    // Rule ids and phase names are ours, but they pass the redactor so that
    // no part of the event skips it.
    debug: record.trace === null ? undefined : {
      trace: record.trace.map((entry) => ({ ...entry, rule: redactor.name('ctxproc.debug.trace.rule', entry.rule) })),
    },
  };
}

/**
 * Redacts the matched text first and cuts it after, so a secret crossing the
 * cut is recognised whole. The text is percent-decoded first: a detector may
 * report a query value as it arrived, where `%27` glued to a token or a card
 * number hides it from the redaction detectors.
 */
function payloadExcerpt(redactor: Redactor, payload: PayloadDecision, exchange: Exchange): PayloadExcerpt {
  const field = 'ctxproc.payloads.matched';
  const matched = percentDecoded(payload.matched);
  const redacted = maskedByLocation(redactor, field, payload.location, matched)
    ?? maskedInValue(redactor, field, payload.location, matched, exchange)
    ?? redactor.scan(field, matched, payload.maxBytes + SCAN_MARGIN_CHARS);
  const withinLimit = cutUtf8(redacted, payload.maxBytes);
  const cut = withinLimit.length < redacted.length ? trimTokenEdge(withinLimit) : withinLimit;
  const truncated = cut.length < redacted.length || matched.length > payload.maxBytes + SCAN_MARGIN_CHARS;

  return {
    rule: payload.rule,
    class: redactor.name('ctxproc.payloads.class', payload.class),
    detector: redactor.name('ctxproc.payloads.detector', payload.detector),
    location: redactor.name('ctxproc.payloads.location', payload.location),
    matched: cut,
    truncated,
  };
}

/** The target kind a detection location names, by its prefix (src/detection/inputs.ts). */
const LOCATION_KINDS: ReadonlyArray<readonly [string, TargetKind]> = [
  ['query.', 'query_param'],
  ['body.', 'query_param'],
  ['cookie.', 'cookie'],
  ['header.', 'header'],
];

/**
 * Masks the whole excerpt when its location is a value that redaction
 * hides, such as `query.password` or `body.user.token`. The excerpt is
 * part of that value without its name, so a scan of the excerpt alone
 * cannot know it is secret. Each segment of a JSON location is tried,
 * since a target names an object as well as a field.
 */
function maskedByLocation(redactor: Redactor, field: string, location: string, matched: string): string | null {
  const entry = LOCATION_KINDS.find(([prefix]) => location.startsWith(prefix));
  if (entry === undefined) {
    return null;
  }

  const [prefix, kind] = entry;
  const rest = location.slice(prefix.length);
  const names = prefix === 'body.' ? bodyLocationNames(rest) : [rest];
  for (const name of names) {
    const masked = redactor.maskNamedValue(name, field, matched, kind, prefix === 'query.');
    if (masked !== null) {
      return masked;
    }
  }
  return null;
}

/**
 * Masks the excerpt as redaction masks the whole value it came from, for
 * the locations that name no field: the path, a body that is not JSON, XML
 * or a form, and a multipart part's headers (src/detection/inputs.ts). The
 * excerpt may start after the name of a secret it contains
 * (`{"password":"x' OR 1=1-- rest"}`) or miss the context that a redact
 * pattern needs (`/reset/<token>`), so a scan of the excerpt alone would
 * show the secret. Returns null for other locations, and when a detector
 * decoded the excerpt and no secret of the value, percent-decoded or not,
 * is found in it.
 */
function maskedInValue(redactor: Redactor, field: string, location: string, matched: string, exchange: Exchange): string | null {
  const value = locationValue(location, exchange);
  if (value === null) {
    return null;
  }
  return redactor.maskExcerpt(field, value, matched, percentDecoded);
}

/** Returns the text a detector read at `location`, or null when the location names a field. Part headers are searched in the whole body. */
function locationValue(location: string, exchange: Exchange): string | null {
  const request = exchange.request;
  if (request === null) {
    return null;
  }
  if (location === 'path') {
    return request.url_path;
  }
  if ((location === 'body' || location === 'multipart_headers') && request.body !== null) {
    return readableBytes(request.body).subarray(0, MAX_BODY_BYTES).toString('utf8');
  }
  return null;
}

/** Returns the names a body location refers to: the whole path, then each segment once, without the `@` that marks an XML attribute. */
function bodyLocationNames(path: string): string[] {
  const segments = path.split('.').map((segment) => (segment.startsWith('@') ? segment.slice(1) : segment));
  return [...new Set([path, ...segments])];
}

const PERCENT_ESCAPES = /(?:%[0-9A-Fa-f]{2})+/g;

/** Decodes each run of valid %XX escapes that forms UTF-8, and leaves the rest of the text as it is. */
function percentDecoded(text: string): string {
  if (!text.includes('%')) {
    return text;
  }
  return text.replace(PERCENT_ESCAPES, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}
