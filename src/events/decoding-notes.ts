// Notes on the bodies that a reader decoded from their content codings. Only
// a body that a rule, a detector or the event read has a decoding to report.
import { decodingNote } from '../content-coding/notes.js';
import type { Exchange } from '../model/exchange.js';
import { bodyDecoding } from '../model/readable-body.js';
import type { Redactor } from '../redaction/redactor.js';

/** Returns one redacted note per decoded or undecodable body of the exchange. */
export function decodingNotes(redactor: Redactor, exchange: Exchange): string[] {
  const notes: string[] = [];
  for (const direction of ['request', 'response'] as const) {
    const capture = exchange[direction]?.body;
    const decoding = capture ? bodyDecoding(capture) : undefined;
    if (decoding !== undefined) {
      notes.push(redactor.text('ctxproc.notes', decodingNote(direction, decoding)));
    }
  }
  return notes;
}
