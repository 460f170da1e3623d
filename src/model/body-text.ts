// Decoded views of a captured body, made once per capture and shared by its
// readers until forgetBodyViews drops them, which the session does after
// each message. A phase's rules may read the body in several conditions,
// and each decode of a 16 KB body allocates a new 16 KB string. The session makes a new capture for more bytes and never
// changes one it has made, so the views stay valid while the capture lives.
import type { BodyCapture } from './exchange.js';
import { readableBytes } from './readable-body.js';

const texts = new WeakMap<BodyCapture, string>();

/** Marks a body whose JSON parse failed, because undefined means "not parsed yet" in the cache. */
const NOT_JSON = Symbol('not JSON');

const jsonDocuments = new WeakMap<BodyCapture, unknown>();

/** Returns the body's bytes decoded as UTF-8, decoding them on the first call only. */
export function bodyText(capture: BodyCapture): string {
  let text = texts.get(capture);
  if (text === undefined) {
    text = readableBytes(capture).toString('utf8');
    texts.set(capture, text);
  }
  return text;
}

/**
 * Returns the body parsed as JSON, or undefined when it is blank or not
 * valid JSON; parses on the first call only. Callers share the returned
 * value, so they must not change it.
 */
export function bodyJson(capture: BodyCapture): unknown {
  let document = jsonDocuments.get(capture);
  if (document === undefined) {
    document = parseOrMark(bodyText(capture));
    jsonDocuments.set(capture, document);
  }
  return document === NOT_JSON ? undefined : document;
}

/**
 * Drops the decoded views of a capture; the next read decodes again. The
 * session calls it after each message, because a transaction stays open
 * while the upstream responds, and under load a 16 KB body text kept that
 * long outlived V8's young generation and was copied into the old one.
 */
export function forgetBodyViews(capture: BodyCapture): void {
  texts.delete(capture);
  jsonDocuments.delete(capture);
}

function parseOrMark(text: string): unknown {
  if (text.trim() === '') {
    return NOT_JSON;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}
