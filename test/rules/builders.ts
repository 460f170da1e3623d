// Builders for rule tests: hand-made Exchange objects and rule files written
// to a temporary directory, so each test states only what it cares about.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BodyCapture, Exchange, HeaderList } from '../../src/model/exchange.js';

/** Repository root, from dist/test/rules/ where the compiled tests run. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const FIXTURES = path.join(PROJECT_ROOT, 'test/fixtures/rules');
export const DEFAULT_RULES = path.join(PROJECT_ROOT, 'rules/default.yaml');

export interface RequestInput {
  method?: string;
  path?: string;
  host?: string;
  headers?: HeaderList;
  body?: string;
  trailers?: HeaderList;
}

export interface ResponseInput {
  code: number;
  headers?: HeaderList;
  body?: string;
  trailers?: HeaderList;
}

export function body(text: string): BodyCapture {
  const bytes = Buffer.from(text, 'utf8');
  return { bytes, size: bytes.length, truncated: false, complete: true };
}

/** Returns an Exchange for a request (and a response when given), as the session would fill it. */
export function makeExchange(request: RequestInput | null, response: ResponseInput | null = null, extra: Partial<Exchange> = {}): Exchange {
  const fullPath = request?.path ?? '/';
  const queryStart = fullPath.indexOf('?');
  return {
    id: 'txn-1',
    startTimeMs: Date.UTC(2026, 0, 2, 3, 4, 5),
    startNs: 0n,
    endNs: null,
    request: request === null ? null : {
      method: request.method ?? 'GET',
      path: fullPath,
      url_path: queryStart === -1 ? fullPath : fullPath.slice(0, queryStart),
      query: queryStart === -1 ? '' : fullPath.slice(queryStart + 1),
      host: request.host ?? 'shop.example',
      scheme: 'https',
      headers: request.headers ?? [],
      body: request.body === undefined ? null : body(request.body),
      trailers: request.trailers ?? null,
    },
    response: response === null ? null : {
      code: response.code,
      headers: response.headers ?? [],
      body: response.body === undefined ? null : body(response.body),
      trailers: response.trailers ?? null,
    },
    source: { address: '198.51.100.7', port: 40000 },
    destination: { address: '10.0.0.5', port: 8080 },
    attributes: {},
    ...extra,
  };
}

const createdDirectories: string[] = [];
process.on('exit', () => {
  for (const directory of createdDirectories) {
    fs.rmSync(directory, { recursive: true, force: true });
  }
});

/** Creates a fresh temporary directory, removed when the process exits. */
export function temporaryDirectory(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'ctxproc-rules-'));
  createdDirectories.push(directory);
  return directory;
}

/** Wraps rule YAML (the items of `rules:`) in a RuleSet document. */
export function ruleSetYaml(rules: string, name = 'test'): string {
  return `apiVersion: ctxproc.dev/v1\nkind: RuleSet\nmetadata: { name: ${name} }\nrules:\n${rules}`;
}

/** Writes a rule file with the given rules and returns its path. */
export function writeRuleFile(rules: string, directory = temporaryDirectory(), fileName = 'rules.yaml'): string {
  const file = path.join(directory, fileName);
  fs.writeFileSync(file, ruleSetYaml(rules));
  return file;
}
