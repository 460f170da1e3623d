// The Datadog dashboard, detection rules and log pipeline, checked offline
// with the official API client's models: each file must deserialise with
// nothing left unparsed or unknown, and serialise back to the same JSON.
// Then every attribute that a query, a grouping, a column, a processor or a
// facet uses must appear, with its type, in events a real ctxproc writes.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { v1, v2 } from '@datadog/datadog-api-client';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import { REPO_ROOT, startTestService, waitFor, type TestService } from '../helpers/service-harness.js';

const ASSETS = path.join(REPO_ROOT, 'datadog');

function readJson(file: string): Record<string, any> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
}

function ruleFiles(): string[] {
  return readdirSync(path.join(ASSETS, 'detection-rules')).filter((name) => name.endsWith('.json')).map((name) => path.join(ASSETS, 'detection-rules', name));
}

/** Lists every place in a deserialised model that the client could not map to a known type or key. */
function unparsedPlaces(value: unknown, where = '$'): string[] {
  if (value === null || typeof value !== 'object') {
    return [];
  }
  const node = value as Record<string, unknown>;
  const places: string[] = [];
  if (node.constructor?.name === 'UnparsedObject' || node._unparsed === true) {
    places.push(`${where}: ${JSON.stringify((node as { _data?: unknown })._data ?? node).slice(0, 120)}`);
  }
  const additional = node.additionalProperties;
  if (additional !== undefined && additional !== null && Object.keys(additional).length > 0) {
    places.push(`${where}: unknown keys ${Object.keys(additional).join(', ')}`);
  }
  for (const [key, child] of Object.entries(node)) {
    if (key !== 'additionalProperties' && key !== '_data') {
      places.push(...unparsedPlaces(child, `${where}.${key}`));
    }
  }
  return places;
}

type Serializer = { deserialize(data: unknown, type: string, format?: string): unknown; serialize(data: unknown, type: string, format: string): unknown };

function assertModel(serializer: Serializer, type: string, file: string): void {
  const document = readJson(file);
  const model = serializer.deserialize(document, type, '');

  assert.deepEqual(unparsedPlaces(model), [], `${path.basename(file)} has parts the ${type} model does not know`);
  assert.deepEqual(serializer.serialize(model, type, ''), document, `${path.basename(file)} does not round-trip through ${type}`);
}

test('dashboard matches the Dashboard model', () => {
  assertModel(v1.ObjectSerializer, 'Dashboard', path.join(ASSETS, 'dashboard.json'));
});

test('detection rules match the rule model', () => {
  const files = ruleFiles();
  assert.ok(files.length >= 3, 'fewer than three detection rules');
  for (const file of files) {
    assertModel(v2.ObjectSerializer, 'SecurityMonitoringStandardRuleCreatePayload', file);
  }
});

test('pipeline matches the LogsPipeline model', () => {
  assertModel(v1.ObjectSerializer, 'LogsPipeline', path.join(ASSETS, 'pipeline.json'));
});

test('model check catches an unknown widget', () => {
  const dashboard = readJson(path.join(ASSETS, 'dashboard.json'));
  dashboard.widgets.push({ definition: { type: 'no_such_widget', title: 'x' } });
  const model = v1.ObjectSerializer.deserialize(dashboard, 'Dashboard', '');

  const places = unparsedPlaces(model);
  assert.ok(places.some((place) => place.includes('no_such_widget')), `the unknown widget went unnoticed: ${places.join('; ')}`);
});

// --- Attributes the assets use, against events from a real ctxproc ---

/** Attributes the assets use that no event carries yet; empty since events carry attack payloads. */
const PENDING_ATTRIBUTES = new Set<string>();

/** Types of the standard attributes the assets use; ctxproc's own come from facets.json. */
const STANDARD_TYPES: Record<string, 'string' | 'integer'> = {
  'evt.name': 'string',
  'http.method': 'string',
  'http.status_code': 'integer',
  'http.url': 'string',
  'http.url_details.path': 'string',
  'http.useragent': 'string',
  'network.client.ip': 'string',
  status: 'string',
  timestamp: 'string',
};

/** Returns the attribute paths used by queries, groupings, columns, processors and facets. */
function usedAttributes(): Set<string> {
  const used = new Set<string>();
  const fromQuery = (query: string): void => {
    for (const match of query.matchAll(/@([a-z_][a-z0-9_.]*[a-z0-9_])/gi)) {
      used.add(match[1] as string);
    }
  };
  const fromFacet = (facet: string): void => {
    if (facet.startsWith('@')) {
      used.add(facet.slice(1));
    }
  };

  for (const widget of readJson(path.join(ASSETS, 'dashboard.json')).widgets as Array<Record<string, any>>) {
    for (const request of widget.definition.requests as Array<Record<string, any>>) {
      for (const query of request.queries ?? []) {
        fromQuery(query.search.query as string);
        for (const group of query.group_by ?? []) {
          fromFacet(group.facet as string);
        }
      }
      if (request.query?.query_string !== undefined) {
        fromQuery(request.query.query_string as string);
      }
      for (const column of request.columns ?? []) {
        fromFacet(column.field as string);
      }
    }
  }
  for (const file of ruleFiles()) {
    for (const query of readJson(file).queries as Array<Record<string, any>>) {
      fromQuery(query.query as string);
      for (const field of [...query.groupByFields, ...query.distinctFields] as string[]) {
        fromFacet(field);
      }
    }
  }
  for (const processor of readJson(path.join(ASSETS, 'pipeline.json')).processors as Array<Record<string, any>>) {
    for (const source of processor.sources as string[]) {
      used.add(source);
    }
  }
  for (const facet of readJson(path.join(ASSETS, 'facets.json')).facets as Array<{ path: string }>) {
    used.add(facet.path);
  }
  return used;
}

function expectedType(attribute: string): 'string' | 'integer' {
  const facet = (readJson(path.join(ASSETS, 'facets.json')).facets as Array<{ path: string; type: 'string' | 'integer' }>).find((entry) => entry.path === attribute);
  const type = facet?.type ?? STANDARD_TYPES[attribute];
  assert.ok(type !== undefined, `${attribute} is used but has no facet in facets.json and no known standard type`);
  return type;
}

/** Returns every value at a dotted path, stepping into arrays as Datadog does. */
function valuesAt(value: unknown, steps: readonly string[]): unknown[] {
  if (Array.isArray(value)) {
    return value.flatMap((item) => valuesAt(item, steps));
  }
  if (steps.length === 0) {
    return value === undefined ? [] : [value];
  }
  if (value === null || typeof value !== 'object') {
    return [];
  }
  return valuesAt((value as Record<string, unknown>)[steps[0] as string], steps.slice(1));
}

const RULES = `apiVersion: ctxproc.dev/v1
kind: RuleSet
metadata:
  name: assets
rules:
  - id: redact-credentials
    description: Hides credentials.
    actions:
      - redact: { headers: [authorization] }
  - id: block-admin
    description: Blocks the admin area.
    when: "request.url_path.startsWith('/admin')"
    actions:
      - block: { status: 403 }
      - log: { message: admin area blocked }
  - id: log-everything
    description: Logs every transaction.
    actions:
      - log: {}
  - id: attach-attack
    description: Attaches what the detectors found.
    when: "detections.size() > 0"
    actions:
      - log_payload: { max_bytes: 256 }
`;

let ctxproc: TestService;

before(async () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'ctxproc-assets-'));
  writeFileSync(path.join(directory, 'rules.yaml'), RULES);
  ctxproc = await startTestService({ rules: path.join(directory, 'rules.yaml') });

  // A long message timeout keeps a loaded test machine from turning transactions into Envoy timeouts.
  const client = new EnvoyClient({ target: ctxproc.target, messageTimeoutMs: 10_000, requestAttributes: { 'source.address': '198.51.100.23:40000' } });
  const requests: Array<[string, string, number]> = [['GET', '/admin/users', 200], ['POST', '/login', 401], ['POST', '/login', 200], ['GET', '/orders/7', 404], ['GET', `/search?q=${encodeURIComponent("1' UNION SELECT password FROM users--")}`, 200]];
  for (const [method, requestPath, status] of requests) {
    await client.run(
      { method, path: requestPath, scheme: 'https', authority: 'shop.example', headers: [['authorization', 'Bearer assets-test-token'], ['user-agent', 'Mozilla/5.0']], body: Buffer.alloc(0) },
      () => ({ status, headers: [], body: Buffer.alloc(0) }),
    );
  }
  client.close();
  await waitFor(() => ctxproc.events.length >= requests.length, 20_000);
});

after(() => ctxproc.stop());

test('asset attributes appear typed in events', () => {
  const events = ctxproc.events;
  const missing: string[] = [];

  for (const attribute of [...usedAttributes()].sort()) {
    const type = expectedType(attribute);
    const values = events.flatMap((event) => valuesAt(event, attribute.split('.')));
    if (values.length === 0) {
      missing.push(attribute);
      continue;
    }
    for (const value of values) {
      const ok = type === 'integer' ? Number.isInteger(value) : typeof value === 'string';
      assert.ok(ok, `${attribute} has ${JSON.stringify(value)}; the assets expect ${type}`);
    }
  }

  assert.deepEqual(missing, [...PENDING_ATTRIBUTES].sort(), 'attributes missing from events differ from the pending list');
});

test('blocked events carry blocked_by', () => {
  const blocked = ctxproc.events.filter((event) => event.ctxproc.action === 'blocked');

  assert.equal(blocked.length, 1);
  assert.equal(blocked[0]?.ctxproc.blocked_by, 'block-admin');
});
