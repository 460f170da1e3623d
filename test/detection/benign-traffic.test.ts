// Precision on ordinary traffic: every detector runs on a hand-written set of
// parameter values, JSON bodies, headers and paths of ordinary web apps and
// APIs (fixtures/benign-traffic.json). An entry may be flagged only with the
// classes its `accept` lists, and each listed class must still be reported,
// so the list stays an exact record of the false positives left.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { detectRequest } from '../../src/detection/index.js';
import type { Exchange, HeaderList } from '../../src/model/exchange.js';
import { REPO_ROOT } from '../helpers/service-harness.js';

interface BenignEntry {
  in: 'query' | 'form' | 'json' | 'header' | 'path';
  name?: string;
  value?: string;
  fields?: Record<string, string>;
  body?: unknown;
  /** Classes a detector may report on this entry, each with the reason it is accepted. */
  accept?: Record<string, string>;
}

const FIXTURE = path.join(REPO_ROOT, 'test/detection/fixtures/benign-traffic.json');
const entries = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { entries: BenignEntry[] }).entries;

/** Builds the request an app or browser would send for `entry`. */
function exchangeOf(entry: BenignEntry): Exchange {
  let target = '/';
  let headers: HeaderList = [];
  let body: string | null = null;

  if (entry.in === 'query') {
    target = `/search?${new URLSearchParams({ [entry.name!]: entry.value! }).toString()}`;
  } else if (entry.in === 'path') {
    target = entry.value!;
  } else if (entry.in === 'header') {
    headers = [[entry.name!, entry.value!]];
  } else if (entry.in === 'form') {
    headers = [['content-type', 'application/x-www-form-urlencoded']];
    body = new URLSearchParams(entry.fields).toString();
  } else {
    headers = [['content-type', 'application/json']];
    body = JSON.stringify(entry.body);
  }

  return requestExchange(body === null ? 'GET' : 'POST', target, headers, body);
}

function requestExchange(method: string, target: string, headers: HeaderList, body: string | null): Exchange {
  const queryStart = target.indexOf('?');
  return {
    id: 'benign',
    startTimeMs: 0,
    startNs: 0n,
    endNs: null,
    request: {
      method,
      path: target,
      url_path: queryStart === -1 ? target : target.slice(0, queryStart),
      query: queryStart === -1 ? '' : target.slice(queryStart + 1),
      host: 'app.example.com',
      scheme: 'https',
      headers,
      body: body === null ? null : { bytes: Buffer.from(body), size: Buffer.byteLength(body), truncated: false, complete: true },
      trailers: null,
    },
    response: null,
    source: null,
    destination: null,
    attributes: {},
  };
}

function describe(entry: BenignEntry): string {
  const text = entry.value ?? JSON.stringify(entry.fields ?? entry.body);
  return `${entry.in}${entry.name === undefined ? '' : ` ${entry.name}`} ${JSON.stringify(text).slice(0, 50)}`;
}

test('benign set is large and varied', () => {
  assert.ok(entries.length >= 300, `expected at least 300 entries, found ${entries.length}`);
  for (const kind of ['query', 'form', 'json', 'header', 'path']) {
    assert.ok(entries.filter((entry) => entry.in === kind).length >= 20, `fewer than 20 entries of kind ${kind}`);
  }
});

test('benign accepted flags give reasons', () => {
  for (const entry of entries) {
    for (const [detectedClass, reason] of Object.entries(entry.accept ?? {})) {
      assert.ok(reason.length >= 20, `no reason for ${detectedClass} on ${describe(entry)}`);
    }
  }
});

for (const entry of entries) {
  test(`benign ${describe(entry)}`, () => {
    const found = detectRequest(exchangeOf(entry));
    const reported = found.map((detection) => detection.class).sort();
    const accepted = Object.keys(entry.accept ?? {}).sort();
    const details = found.map((detection) => `${detection.class} ${detection.detector} at ${detection.location}: ${JSON.stringify(detection.matched)}`);
    assert.deepEqual(reported, accepted, `unexpected detections: ${details.join('; ')}`);
  });
}
