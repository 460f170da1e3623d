// Plays one fuzz case over a Process stream and judges how the server ended
// it. A clean end is status OK, or one of ctxproc's coded protocol errors
// with the gRPC status its registry gives. Anything else (an uncounted
// transport rejection included), a reply that does not decode, or no status
// at all within the hang timeout is a finding.
import { Metadata, status as GrpcStatus, type Client, type ClientDuplexStream, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { ERROR_CODES, type ErrorCode } from '../../src/errors/codes.js';
import { decodeResponse, PROCESS_METHOD_PATH } from '../../src/protocol/codec.js';
import type { FuzzCase } from './cases.js';

export interface Verdict {
  seed: number;
  clean: boolean;
  /** `ok`, an error code, `cancelled`, or what went wrong. */
  outcome: string;
  detail: string;
}

const CODED_DETAILS = /^(CTXPROC_[A-Z_]+): /;

/** Plays `fuzzCase` on `client` and resolves with the verdict; it never rejects. */
export async function playCase(client: Client, fuzzCase: FuzzCase, hangTimeoutMs: number): Promise<Verdict> {
  const call: ClientDuplexStream<Buffer, Buffer> = client.makeBidiStreamRequest(PROCESS_METHOD_PATH, (value: Buffer) => value, (bytes: Buffer) => bytes, new Metadata());
  const verdict = (clean: boolean, outcome: string, detail = ''): Verdict => ({ seed: fuzzCase.seed, clean, outcome, detail });
  let badReply: string | null = null;
  let replies = 0;
  const replyWaiters: Array<() => void> = [];

  call.on('data', (bytes: Buffer) => {
    replies += 1;
    try {
      decodeResponse(bytes);
    } catch (error) {
      badReply ??= (error as Error).message;
    }
    replyWaiters.shift()?.();
  });
  const status = new Promise<StatusObject>((resolve) => {
    call.on('status', resolve);
    call.on('error', (error: ServiceError) => resolve({ code: error.code, details: error.details, metadata: error.metadata }));
  });
  let ended = false;
  void status.then(() => {
    ended = true;
    replyWaiters.splice(0).forEach((wake) => wake());
  });

  const count = fuzzCase.end.endsWith('_early') ? Math.floor(fuzzCase.messages.length / 2) : fuzzCase.messages.length;
  for (let i = 0; i < count && !ended; i += 1) {
    call.write(fuzzCase.messages[i]!);
    if (fuzzCase.awaitReplies) {
      // Envoy waits for each reply. A message that gets none (observability
      // mode, a phase already replied to) must not stall the case, so the wait is short.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        replyWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  if (fuzzCase.end.startsWith('cancel')) {
    // Off the stack of any HTTP/2 callback: Node defers a CANCEL reset that is
    // submitted while its HTTP/2 session is handling a callback, and may then
    // never send it, so the server would keep the stream open.
    await new Promise<void>((resolve) => setImmediate(resolve));
    call.cancel();
    await status;
    return badReply ? verdict(false, 'bad_reply', badReply) : verdict(true, 'cancelled');
  }

  call.end();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), hangTimeoutMs);
  });
  const final = await Promise.race([status, hang]);
  clearTimeout(timer);

  if (final === null) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    call.cancel();
    return verdict(false, 'hang', `no status within ${hangTimeoutMs} ms of the half-close, after ${replies} replies`);
  }
  if (badReply) {
    return verdict(false, 'bad_reply', badReply);
  }
  return judgeStatus(final, verdict);
}

function judgeStatus(final: StatusObject, verdict: (clean: boolean, outcome: string, detail?: string) => Verdict): Verdict {
  if (final.code === GrpcStatus.OK) {
    return verdict(true, 'ok');
  }

  const code = CODED_DETAILS.exec(final.details)?.[1] as ErrorCode | undefined;
  const definition = code ? ERROR_CODES[code] : undefined;
  if (!code || !definition) {
    return verdict(false, `status_${final.code}`, final.details);
  }
  if (code === 'CTXPROC_STREAM_INTERNAL' || definition.grpcStatus !== final.code) {
    return verdict(false, code, `status ${final.code}: ${final.details}`);
  }
  return verdict(true, code);
}
