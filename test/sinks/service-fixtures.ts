// A ctxproc service whose log rule sends every transaction to a datadog sink
// on a fake intake, and an Envoy client that sends requests with known ids.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EnvoyClient, type TransactionResult } from '../../src/client/envoy-client.js';
import { startTestService, type TestService } from '../helpers/service-harness.js';
import { TEST_API_KEY } from './sink-fixtures.js';

const LOG_EVERYTHING = `apiVersion: ctxproc.dev/v1
kind: RuleSet
metadata:
  name: log-everything
rules:
  - id: log-everything
    description: Writes an event for every transaction.
    actions:
      - log: { message: transaction seen }
`;

export interface SinkWorkspace {
  directory: string;
  rulesFile: string;
  sinksFile: string;
  spoolDirectory: string;
}

/** Writes the rules, an API key file and a sinks file for an intake at `url`; extra YAML goes into the datadog sink. */
export function sinkWorkspace(url: string, extra = ''): SinkWorkspace {
  const directory = mkdtempSync(path.join(tmpdir(), 'ctxproc-sinks-'));
  const rulesFile = path.join(directory, 'rules.yaml');
  const sinksFile = path.join(directory, 'sinks.yaml');
  const spoolDirectory = path.join(directory, 'spool');
  writeFileSync(rulesFile, LOG_EVERYTHING);
  writeFileSync(path.join(directory, 'dd-api-key'), `${TEST_API_KEY}\n`, { mode: 0o600 });
  writeFileSync(sinksFile, `sinks:
  - name: datadog
    type: datadog
    url: ${url}
    api_key_file: dd-api-key
    batch: { max_events: 1000, max_bytes: 5000000, interval_ms: 25 }
    retry: { base_ms: 20, max_ms: 100 }
    timeout_ms: 2000
${extra}`);
  return { directory, rulesFile, sinksFile, spoolDirectory };
}

export function startSinkService(workspace: SinkWorkspace): Promise<TestService> {
  return startTestService({ rules: workspace.rulesFile, sinks: workspace.sinksFile });
}

/** Runs one GET per id through ctxproc, with the id as x-request-id, and returns the results. */
export async function sendRequests(target: string, ids: readonly string[]): Promise<TransactionResult[]> {
  // A long message timeout keeps a loaded test machine from turning transactions into Envoy timeouts.
  const client = new EnvoyClient({ target, messageTimeoutMs: 10_000, requestAttributes: { 'source.address': '198.51.100.7:52000' }, receivingNamespaces: ['ctxproc', 'envoy.common'] });
  const results: TransactionResult[] = [];
  try {
    for (const id of ids) {
      results.push(await client.run(
        { method: 'GET', path: `/orders/${id}`, scheme: 'https', authority: 'shop.example', headers: [['x-request-id', id]], body: Buffer.alloc(0) },
        () => ({ status: 200, headers: [['content-type', 'text/plain']], body: Buffer.from('ok') }),
      ));
    }
  } finally {
    client.close();
  }
  return results;
}

export function ids(prefix: string, count: number): string[] {
  return [...Array(count).keys()].map((index) => `${prefix}-${index}`);
}
