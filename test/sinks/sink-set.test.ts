import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Metrics } from '../../src/metrics/metrics.js';
import { SinkSet } from '../../src/sinks/sink-set.js';
import { capturingLogger, eventWithId, metricValue } from './sink-fixtures.js';

function sinkSet(): { sinks: SinkSet; metrics: Metrics } {
  const directory = mkdtempSync(path.join(tmpdir(), 'ctxproc-sink-set-'));
  const metrics = new Metrics({ processMetrics: false });
  const sinks = new SinkSet({
    config: {
      sinks: [
        { name: 'one', type: 'file', format: 'datadog', path: path.join(directory, 'one.jsonl'), maxBufferBytes: 1_000_000 },
        { name: 'two', type: 'file', format: 'ecs', path: path.join(directory, 'two.jsonl'), maxBufferBytes: 1_000_000 },
        { name: 'three', type: 'file', format: 'ocsf', path: path.join(directory, 'three.jsonl'), maxBufferBytes: 1_000_000 },
      ],
      defaultSinks: ['one', 'two'],
    },
    metrics,
    logger: capturingLogger().logger,
  });
  return { sinks, metrics };
}

async function acceptedBy(metrics: Metrics): Promise<number[]> {
  const names = ['one', 'two', 'three'];
  return Promise.all(names.map((sink) => metricValue(metrics, 'ctxproc_sink_events_accepted_total', { sink })));
}

test('named sinks only without defaults', async () => {
  const { sinks, metrics } = sinkSet();

  assert.equal(sinks.deliver(eventWithId('a'), ['three'], false), 1);
  await sinks.close(Date.now() + 2000);
  assert.deepEqual(await acceptedBy(metrics), [0, 0, 1]);
});

test('defaults and names are merged once', async () => {
  const { sinks, metrics } = sinkSet();

  assert.equal(sinks.deliver(eventWithId('a'), ['one', 'three'], true), 3);
  await sinks.close(Date.now() + 2000);
  assert.deepEqual(await acceptedBy(metrics), [1, 1, 1]);
});
