// Collects the values that redact rules cover in one transaction (header
// values, cookie values, query parameter values) so that the redactor masks
// them wherever else they show up: a log field that copied a header, a path,
// a note. Names alone cannot catch a copy whose field has another name.
import type { Exchange, HeaderList } from '../model/exchange.js';
import { decodeFormComponent } from './query.js';
import type { Redactor } from './redactor.js';

/** Registers every redacted value of the exchange with the redactor. */
export function rememberKnownSecrets(redactor: Redactor, exchange: Exchange): void {
  for (const headers of [exchange.request?.headers, exchange.response?.headers]) {
    if (headers) {
      rememberHeaders(redactor, headers);
    }
  }

  const query = exchange.request?.query ?? '';
  for (const pair of query.split('&')) {
    const equals = pair.indexOf('=');
    if (equals <= 0) {
      continue;
    }
    const name = safeDecode(pair.slice(0, equals));
    const raw = pair.slice(equals + 1);
    redactor.addKnownSecret('query_param', name, raw);
    redactor.addKnownSecret('query_param', name, safeDecode(raw));
  }
}

function rememberHeaders(redactor: Redactor, headers: HeaderList): void {
  for (const [name, value] of headers) {
    redactor.addKnownSecret('header', name, value);

    if (name === 'cookie' || name === 'set-cookie') {
      const pairs = name === 'cookie' ? value.split(';') : [value.split(';')[0] ?? ''];
      for (const pair of pairs) {
        const equals = pair.indexOf('=');
        if (equals > 0) {
          redactor.addKnownSecret('cookie', pair.slice(0, equals).trim(), pair.slice(equals + 1).trim());
        }
      }
    }
  }
}

function safeDecode(text: string): string {
  try {
    return decodeFormComponent(text);
  } catch {
    return text;
  }
}
