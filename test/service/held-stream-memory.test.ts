// A stream that sent a large body chunk and then went quiet keeps only what
// ctxproc needs (at most --body-limit of the body), not the message it came
// in. Without that, a client holding thousands of such streams open grew
// ctxproc by the size of each message.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { TRANSPORTS } from '../../src/transport/transport.js';
import { REPO_ROOT, startTestService } from '../helpers/service-harness.js';

const STREAMS = 60;
const CHUNK_BYTES = 1024 * 1024;
const BODY_LIMIT = 64 * 1024;
/** Per held stream: the kept body plus room for bookkeeping, far below the 1 MiB message. */
const BOUND_PER_STREAM = BODY_LIMIT + 64 * 1024;

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

async function arrayBuffersAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i += 1) {
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().arrayBuffers;
}

for (const transport of TRANSPORTS) {
  test(`held stream keeps only its body limit (${transport})`, async (t) => {
    const ctxproc = await startTestService({ transport, bodyLimitBytes: BODY_LIMIT, maxMessageBytes: 4 * CHUNK_BYTES });
    t.after(() => ctxproc.stop());
    const before = await arrayBuffersAfterGc();

    const client = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/test/helpers/hold-streams.js'), ctxproc.target, String(STREAMS), String(CHUNK_BYTES)], { stdio: ['pipe', 'pipe', 'inherit'] });
    t.after(() => client.kill());
    await once(client.stdout, 'data');
    const withStreams = await arrayBuffersAfterGc();
    const open = (await ctxproc.service.metrics.streamsActive.get()).values[0]?.value;
    client.stdin.write('end\n');
    await once(client, 'exit');

    const perStream = (withStreams - before) / STREAMS;
    t.diagnostic(`${transport}: each held stream keeps ${Math.round(perStream / 1024)} KiB of buffers`);
    assert.equal(open, STREAMS);
    assert.ok(perStream < BOUND_PER_STREAM, `each held stream keeps ${Math.round(perStream / 1024)} KiB of buffers; expected under ${BOUND_PER_STREAM / 1024} KiB`);
  });
}
