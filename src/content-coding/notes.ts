// The event note and the metric label of a decoded body. The note shows an
// analyst whether conditions and detectors read the payload or only its
// encoded bytes.
import type { BodyDecoding } from './decode-body.js';
import { knownCoding, MAX_CODINGS, quotedCoding } from './codings.js';

/** Returns the event note for a body's decoding. */
export function decodingNote(direction: 'request' | 'response', decoding: BodyDecoding): string {
  const codings = decoding.codings.map(quotedCoding).join(', ');
  const decodedBytes = decoding.bytes?.length ?? 0;

  switch (decoding.result) {
    case 'decoded':
      return `${direction} body decoded from ${codings} into ${decodedBytes} bytes; conditions, detectors and the event read the decoded bytes`;
    case 'truncated':
      return decoding.outputCut
        ? `${direction} body decoded from ${codings} past the body limit of ${decoding.limitBytes} bytes; conditions, detectors and the event read only the first ${decodedBytes} decoded bytes`
        : `${direction} body decoded from ${codings} although its encoded bytes were cut; conditions, detectors and the event read the ${decodedBytes} bytes decoded from them`;
    case 'failed':
      return decoding.bytes === null
        ? `${direction} body could not be decoded from ${codings} (${decoding.reason ?? 'unknown error'}); conditions and detectors did not read its content, only its encoded bytes`
        : `${direction} body decoding from ${codings} failed after ${decodedBytes} bytes (${decoding.reason ?? 'unknown error'}); conditions, detectors and the event read only those`;
    case 'unsupported':
      return `${direction} body has content-encoding ${codings}, which ctxproc does not decode (${decoding.reason ?? 'unknown content coding'}); conditions and detectors did not read its content, only its encoded bytes`;
  }
}

/**
 * Returns the `encoding` label of ctxproc_body_decodes_total: the known
 * codings as listed, else `other`. Unknown names come from clients, so they
 * never become label values.
 */
export function encodingLabel(decoding: BodyDecoding): string {
  if (decoding.codings.length > MAX_CODINGS) {
    return 'other';
  }
  const names: string[] = [];
  for (const coding of decoding.codings) {
    const name = knownCoding(coding);
    if (name === undefined) {
      return 'other';
    }
    names.push(name);
  }
  return names.join(',');
}
