// Rule patterns run on V8's backtracking engine; ctxproc turns on V8's
// fallback to its linear-time engine. Without it each request below takes
// seconds to minutes of CPU and stalls every other stream.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import { startCli } from '../helpers/spawn-ctxproc.js';

test('backtracking patterns stay within the message timeout', async (t) => {
  const cli = await startCli(['--rules', 'test/fixtures/rules/regexp/backtracking.yaml']);
  t.after(() => cli.child.kill('SIGKILL'));
  const client = new EnvoyClient({ target: `127.0.0.1:${cli.grpcPort}`, messageTimeoutMs: 2000 });
  t.after(() => client.close());
  const upstream = () => ({ status: 200, headers: [] as Array<[string, string]> });

  const attacks = [
    { path: `/x${'a'.repeat(30)}!`, headers: [] as Array<[string, string]> },
    { path: `/${'a'.repeat(60)}`, headers: [] as Array<[string, string]> },
    { path: '/note', headers: [['x-note', `ID:${','.repeat(2000)}`]] as Array<[string, string]> },
  ];
  for (const attack of attacks) {
    const result = await client.run({ method: 'GET', path: attack.path, scheme: 'http', authority: 'shop.example', headers: attack.headers }, upstream);

    assert.equal(result.timedOut, false, `${attack.path.slice(0, 12)} timed out`);
    assert.deepEqual(result.protocolErrors, []);
    assert.equal(result.downstreamResponse.status, 200);
  }
  assert.equal(await cli.stop('SIGTERM'), 0);
});
