import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Metrics } from '../../src/metrics/metrics.js';
import { sinkCounters } from '../../src/sinks/sink.js';
import { createStreamSink } from '../../src/sinks/stream-sink.js';
import { capturingLogger, eventWithId, metricValue } from './sink-fixtures.js';

const LABELS = { sink: 'archive' };

test('file sink writes formatted lines', async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'ctxproc-file-sink-')), 'nested', 'events.jsonl');
  const metrics = new Metrics({ processMetrics: false });
  const sink = createStreamSink({ name: 'archive', type: 'file', format: 'ecs', destination: file, maxBufferBytes: 1_000_000, counters: sinkCounters(metrics, 'archive'), logger: capturingLogger().logger });
  sink.accept(eventWithId('f-1'));
  sink.accept(eventWithId('f-2'));
  await sink.close(Date.now() + 5000);

  const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
  assert.deepEqual(lines.map((line) => line.http.request.id), ['f-1', 'f-2']);
  assert.equal(await metricValue(metrics, 'ctxproc_sink_events_sent_total', LABELS), 2);
});

test('full file buffer drops and counts', async () => {
  // Opening a FIFO for writing blocks until a reader opens it, so every line waits in the sink's buffer.
  const fifo = path.join(mkdtempSync(path.join(tmpdir(), 'ctxproc-fifo-')), 'events.fifo');
  execFileSync('mkfifo', [fifo]);
  const metrics = new Metrics({ processMetrics: false });
  const { logger, lines: logLines } = capturingLogger();
  const sink = createStreamSink({ name: 'archive', type: 'file', format: 'datadog', destination: fifo, maxBufferBytes: 10_000, counters: sinkCounters(metrics, 'archive'), logger });
  for (let index = 0; index < 20; index += 1) {
    sink.accept(eventWithId(`fifo-${index}`));
  }

  const sent = await metricValue(metrics, 'ctxproc_sink_events_sent_total', LABELS);
  const dropped = await metricValue(metrics, 'ctxproc_sink_events_dropped_total', { ...LABELS, reason: 'queue_full' });
  assert.ok(dropped > 0, 'nothing was dropped');
  assert.ok(sent > 0, 'nothing was buffered');
  assert.equal(sent + dropped, 20);

  const received: Buffer[] = [];
  const reader = createReadStream(fifo);
  reader.on('data', (chunk) => received.push(chunk as Buffer));
  const readerClosed = new Promise<void>((resolve) => reader.once('close', () => resolve()));
  await sink.close(Date.now() + 5000);
  // close() ends the file destination, so the reader sees the end of the FIFO.
  await readerClosed;

  const text = Buffer.concat(received).toString('utf8');
  assert.equal(text.split('\n').filter((line) => line.length > 0).length, sent);
  assert.ok(logLines.some((line) => line.includes('write buffer is full')), 'the drop was not logged');
});
