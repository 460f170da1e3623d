// The start line must show the limits an operator tunes, and a reset limit
// that one Envoy worker can exceed must be warned about before traffic
// arrives, because exceeding it fails whole connections.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lowResetLimitWarning, MIN_EXPECTED_RESET_BURST, MIN_EXPECTED_RESET_RATE } from '../../src/transport/reset-limit.js';
import { startTestService } from '../helpers/service-harness.js';

const RESET_WARNING = / is low: Envoy resets every ext_proc stream| are low: Envoy resets every ext_proc stream/;

test('start line shows reset limits', async (t) => {
  const ctxproc = await startTestService({ resetBurst: 5000, resetRate: 4000 });
  t.after(() => ctxproc.stop());

  const start = ctxproc.logs.find((line) => line.message === 'ctxproc started');
  assert.ok(start, JSON.stringify(ctxproc.logs.map((line) => line.message)));
  assert.equal(start.reset_burst, 5000);
  assert.equal(start.reset_rate, 4000);
  assert.equal(start.admin_host, '127.0.0.1');
  assert.equal(typeof start.admin_port, 'number');
  assert.ok(!ctxproc.logs.some((line) => RESET_WARNING.test(String(line.message))));
});

test('low reset rate warns at startup', async (t) => {
  const ctxproc = await startTestService({ resetBurst: 100000, resetRate: 33 });
  t.after(() => ctxproc.stop());

  const warning = ctxproc.logs.find((line) => RESET_WARNING.test(String(line.message)));
  assert.ok(warning, JSON.stringify(ctxproc.logs.map((line) => line.message)));
  assert.equal(warning.status, 'warn');
  assert.equal(warning.reset_rate, 33);
  assert.match(warning.message, /^--reset-rate 33 \(resets per second after the burst\) is low:/);
});

/** Name, burst, rate, and the start of the warning (null for none): only the low setting is named. */
const WARNING_CASES: Array<[string, number, number, string | null]> = [
  ['both at the minimum', MIN_EXPECTED_RESET_BURST, MIN_EXPECTED_RESET_RATE, null],
  ['defaults', 100000, 100000, null],
  ['burst one below', MIN_EXPECTED_RESET_BURST - 1, MIN_EXPECTED_RESET_RATE, `--reset-burst ${MIN_EXPECTED_RESET_BURST - 1} (resets taken at once) is low:`],
  ['rate one below', MIN_EXPECTED_RESET_BURST, MIN_EXPECTED_RESET_RATE - 1, `--reset-rate ${MIN_EXPECTED_RESET_RATE - 1} (resets per second after the burst) is low:`],
  ['high burst, low rate', 5000, 10, '--reset-rate 10 (resets per second after the burst) is low:'],
  ['burst 10, rate 1', 10, 1, '--reset-burst 10 (resets taken at once) and --reset-rate 1 (resets per second after the burst) are low:'],
];

for (const [name, burst, ratePerSecond, start] of WARNING_CASES) {
  test(`reset limit warning: ${name}`, () => {
    const warning = lowResetLimitWarning({ burst, ratePerSecond });

    assert.equal(warning?.slice(0, start?.length ?? 0) ?? null, start);
  });
}
