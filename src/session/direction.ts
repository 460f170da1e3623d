// Message-order checks for one direction (request or response) of a
// transaction. Envoy sends, per direction: headers at most once, then body
// chunks until one carries end_of_stream, then trailers at most once. Any
// part may be skipped by the processing mode.
import type { ErrorCode } from '../errors/codes.js';

/** Position of one direction in its headers, body, trailers sequence. */
export enum DirectionState {
  /** Nothing received yet. */
  Idle,
  /** Headers received, a body or trailers may follow. */
  Headers,
  /** Headers received with end_of_stream: nothing may follow. */
  HeadersEnded,
  /** At least one body chunk received, more may follow. */
  Body,
  /** A body chunk with end_of_stream received: nothing may follow. */
  BodyEnded,
  /** Trailers received: nothing may follow. */
  Trailers,
}

export interface OrderViolation {
  code: ErrorCode;
  message: string;
}

type Part = 'headers' | 'body' | 'trailers';

const ENDED_STATES = new Set([DirectionState.HeadersEnded, DirectionState.BodyEnded, DirectionState.Trailers]);

/** Tracks one direction; `accept` returns a violation or advances the state. */
export class DirectionTracker {
  state = DirectionState.Idle;

  constructor(private readonly direction: 'request' | 'response') {}

  get ended(): boolean {
    return ENDED_STATES.has(this.state);
  }

  accept(part: Part, endOfStream: boolean): OrderViolation | null {
    const violation = this.check(part);
    if (violation) {
      return violation;
    }

    this.state = nextState(part, endOfStream);
    return null;
  }

  private check(part: Part): OrderViolation | null {
    const name = `${this.direction}_${part}`;

    if (part === 'headers' && this.state !== DirectionState.Idle) {
      const code = this.state === DirectionState.Headers || this.state === DirectionState.HeadersEnded
        ? 'CTXPROC_PROTO_DUPLICATE_PHASE'
        : 'CTXPROC_PROTO_OUT_OF_ORDER';
      return { code, message: `${name} received after ${this.describe()}` };
    }
    if (part === 'body' && this.ended) {
      const code = this.state === DirectionState.BodyEnded ? 'CTXPROC_PROTO_DUPLICATE_PHASE' : 'CTXPROC_PROTO_OUT_OF_ORDER';
      return { code, message: `${name} received after ${this.describe()}` };
    }
    if (part === 'trailers' && (this.state === DirectionState.Trailers || this.state === DirectionState.HeadersEnded || this.state === DirectionState.BodyEnded)) {
      const code = this.state === DirectionState.Trailers ? 'CTXPROC_PROTO_DUPLICATE_PHASE' : 'CTXPROC_PROTO_OUT_OF_ORDER';
      return { code, message: `${name} received after ${this.describe()}` };
    }
    return null;
  }

  private describe(): string {
    switch (this.state) {
      case DirectionState.Headers:
        return `${this.direction}_headers`;
      case DirectionState.HeadersEnded:
        return `${this.direction}_headers with end_of_stream`;
      case DirectionState.Body:
        return `${this.direction}_body`;
      case DirectionState.BodyEnded:
        return `${this.direction}_body with end_of_stream`;
      case DirectionState.Trailers:
        return `${this.direction}_trailers`;
      default:
        return 'nothing';
    }
  }
}

function nextState(part: Part, endOfStream: boolean): DirectionState {
  if (part === 'headers') {
    return endOfStream ? DirectionState.HeadersEnded : DirectionState.Headers;
  }
  if (part === 'body') {
    return endOfStream ? DirectionState.BodyEnded : DirectionState.Body;
  }
  return DirectionState.Trailers;
}
