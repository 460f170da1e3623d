// Builders for sink tests: real security events from the event builder, a
// logger whose lines the test can read, and a datadog sink on a fake intake.
import { PassThrough } from 'node:stream';
import { buildSecurityEvent } from '../../src/events/builder.js';
import type { SecurityEvent } from '../../src/events/security-event.js';
import { createLogger } from '../../src/log/logger.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { DatadogSink, type DatadogSinkOptions } from '../../src/sinks/datadog-sink.js';
import { sinkCounters } from '../../src/sinks/sink.js';
import { makeExchange, makeRecord, makeRequest, makeResponse } from '../events/fixtures.js';

export const TEST_API_KEY = 'dd-test-key-0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c';

/**
 * Returns an event whose http.request_id is `id`. A `padding` field of that
 * many characters is set after building, because the builder caps each value.
 */
export function eventWithId(id: string, padding = 0): SecurityEvent {
  const request = makeRequest(`/items/${id}`, [['x-request-id', id]]);
  const event = buildSecurityEvent(makeExchange(request, makeResponse(500)), makeRecord(), {
    rulesVersion: 'sha256:test',
    outcome: { blocked: false, streamEnd: 'completed' },
  });
  if (padding > 0) {
    event.ctxproc.fields = { padding: 'p'.repeat(padding) };
  }
  return event;
}

export function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter((line) => line.length > 0)));
  return { logger: createLogger({ level: 'info', destination: stream }), lines };
}

export interface SinkUnderTest {
  sink: DatadogSink;
  metrics: Metrics;
  logLines: string[];
}

export function datadogSink(url: string, overrides: Partial<DatadogSinkOptions> = {}): SinkUnderTest {
  const metrics = new Metrics({ processMetrics: false });
  const { logger, lines } = capturingLogger();
  const sink = new DatadogSink({
    name: 'datadog',
    format: 'datadog',
    intake: { url, apiKey: TEST_API_KEY, source: 'ctxproc', tags: 'env:test', timeoutMs: 5000 },
    queue: { maxEvents: 10_000, maxBytes: 64 * 1024 * 1024 },
    batch: { maxEvents: 1000, maxBytes: 5_000_000, intervalMs: 20 },
    backoff: { baseMs: 10, maxMs: 40 },
    maxEventBytes: 900_000,
    spool: null,
    counters: sinkCounters(metrics, 'datadog'),
    logger,
    ...overrides,
  });
  return { sink, metrics, logLines: lines };
}

/** Reads one labelled sample of a metric. */
export async function metricValue(metrics: Metrics, name: string, labels: Record<string, string> = { sink: 'datadog' }): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (metric === undefined) {
    throw new Error(`metric ${name} is not registered`);
  }
  const data = await metric.get();
  const sample = data.values.find((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected));
  return sample?.value ?? 0;
}

/** Waits until a metric sample reaches `expected`, polling every 10 ms for at most `timeoutMs`. */
export async function waitForMetric(metrics: Metrics, name: string, expected: number, labels: Record<string, string> = { sink: 'datadog' }, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let value = await metricValue(metrics, name, labels);
  while (value !== expected) {
    if (Date.now() > deadline) {
      throw new Error(`${name} is ${value} after ${timeoutMs} ms; expected ${expected}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
    value = await metricValue(metrics, name, labels);
  }
}
