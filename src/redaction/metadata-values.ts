// Redaction of the values set_metadata sends to Envoy. Envoy's access log
// prints dynamic metadata as it is, so each value gets the event's redaction:
// a value whose expression read a redacted header is masked whole, and every
// string is scanned by the detectors and for known secrets.
import { maskDerivedValue } from './derived-values.js';
import type { Exchange } from '../model/exchange.js';
import type { TransactionRecord } from '../model/record.js';
import { withBaseline } from './baseline.js';
import { rememberKnownSecrets } from './known-secrets.js';
import { Redactor } from './redactor.js';

export type MetadataValue = string | number | boolean;

/** Returns record.metadata redacted, or an empty object when no rule set metadata. */
export function redactedMetadata(exchange: Exchange, record: TransactionRecord): Record<string, MetadataValue> {
  const entries = Object.entries(record.metadata);
  if (entries.length === 0) {
    return {};
  }

  const redactor = new Redactor(withBaseline(record.redaction));
  rememberKnownSecrets(redactor, exchange);

  const redacted: Record<string, MetadataValue> = {};
  for (const [key, value] of entries) {
    const field = `metadata.${key}`;
    const masked = maskDerivedValue(redactor, record.metadataHeaders[key] ?? [], field, value);
    redacted[key] = masked ?? (redactor.fieldValue(field, value) as MetadataValue);
  }
  return redacted;
}
