// Checks that ctxproc's own ext_proc protos (proto/) keep Envoy's wire
// contract. Most fields are compared with the Envoy API copy that
// @grpc/grpc-js-xds 1.14.1 ships (mid-2024, about Envoy 1.31). Fields added
// upstream after that copy are compared with upstream-newer-fields.json, a
// list of facts read once from envoyproxy/data-plane-api, because CI has no
// network access and no copy of that repository.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { protoRoot, root as codecRoot } from '../../src/protocol/codec.js';

const PACKAGES = [
  'envoy.service.ext_proc.v3',
  'envoy.config.core.v3',
  'envoy.extensions.filters.http.ext_proc.v3',
  'envoy.type.v3',
];

const SERVICE_FILE = 'envoy/service/ext_proc/v3/external_processor.proto';
const PROJECT_ROOT = path.dirname(protoRoot());
const MANIFEST_FILE = path.join(PROJECT_ROOT, 'test/protocol/upstream-newer-fields.json');

// The include dirs that grpc-js-xds's own generate-types script passes to
// proto-loader-gen-types.
const XDS_DEPS = path.join(PROJECT_ROOT, 'node_modules/@grpc/grpc-js-xds/deps');
const XDS_INCLUDE_DIRS = ['envoy-api', 'xds', 'protoc-gen-validate', 'googleapis'].map((dir) => path.join(XDS_DEPS, dir));

// validate.proto imports google/protobuf/descriptor.proto, which protobufjs
// ships as a file but not among its bundled types.
const PROTOBUFJS_DIR = path.join(PROJECT_ROOT, 'node_modules/protobufjs');

type Label = 'singular' | 'optional' | 'repeated' | 'map' | 'required';
const LABELS: readonly Label[] = ['singular', 'optional', 'repeated', 'map', 'required'];

/** The wire-relevant facts of one field. `type` is a fully qualified name or a scalar type. */
interface FieldFacts {
  name: string;
  number: number;
  type: string;
  label: Label;
  key_type?: string;
  oneof?: string;
}

interface MethodFacts {
  request: string;
  response: string;
  request_stream: boolean;
  response_stream: boolean;
}

/** Messages, enums and services by fully qualified name (no leading dot). */
interface Schema {
  messages: Map<string, Map<string, FieldFacts>>;
  enums: Map<string, Map<string, number>>;
  services: Map<string, Map<string, MethodFacts>>;
}

interface UpstreamSource {
  name: string;
  schema: Schema;
}

/** What a comparison found; `checked` maps each source name to the ids it checked. */
interface CompatReport {
  differences: string[];
  checked: Map<string, string[]>;
  unchecked: string[];
}

interface Manifest {
  source: { repository: string; commit: string; commit_date: string };
  messages: { message: string; file: string; fields: FieldFacts[] }[];
  enums: { enum: string; file: string; values: Record<string, number> }[];
}

/** Loads `entry` and its imports, looking each import up in `includeDirs` in order. */
function loadProtoTree(includeDirs: string[], entry: string): protobuf.Root {
  const root = new protobuf.Root();

  // An import found in no include dir is passed through unchanged, so that
  // protobufjs serves google/protobuf/{struct,duration,any,...} from its
  // bundled types, as src/protocol/codec.ts relies on.
  root.resolvePath = (_origin, target) => {
    for (const dir of includeDirs) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) {
        return candidate;
      }
    }
    return target;
  };
  root.loadSync(entry, { keepCase: true });
  root.resolveAll();
  return root;
}

function qualifiedName(object: protobuf.ReflectionObject): string {
  return object.fullName.replace(/^\./, '');
}

function inComparedPackage(name: string): boolean {
  return PACKAGES.some((pkg) => name.startsWith(`${pkg}.`));
}

function fieldFacts(field: protobuf.Field): FieldFacts {
  const type = field.resolvedType ? qualifiedName(field.resolvedType) : field.type;
  const facts: FieldFacts = { name: field.name, number: field.id, type, label: fieldLabel(field) };

  if (field instanceof protobuf.MapField) {
    facts.key_type = field.keyType;
  }

  // protobufjs puts a proto3 `optional` field into a synthetic oneof named
  // after it. That oneof only marks presence, which the label already records.
  if (field.partOf && facts.label !== 'optional') {
    facts.oneof = field.partOf.name;
  }
  return facts;
}

function fieldLabel(field: protobuf.Field): Label {
  if (field.map) {
    return 'map';
  }
  if (field.repeated) {
    return 'repeated';
  }
  if (field.required) {
    return 'required';
  }
  return field.options?.['proto3_optional'] === true ? 'optional' : 'singular';
}

/** Collects the messages, enums and services of PACKAGES from a resolved root. */
function schemaFromRoot(root: protobuf.Root): Schema {
  const schema: Schema = { messages: new Map(), enums: new Map(), services: new Map() };
  collectNamespace(root, schema);
  return schema;
}

function collectNamespace(namespace: protobuf.NamespaceBase, schema: Schema): void {
  for (const nested of namespace.nestedArray) {
    const name = qualifiedName(nested);
    const compared = inComparedPackage(name);

    if (nested instanceof protobuf.Type && compared) {
      schema.messages.set(name, new Map(nested.fieldsArray.map((field) => [field.name, fieldFacts(field)])));
    } else if (nested instanceof protobuf.Enum && compared) {
      schema.enums.set(name, new Map(Object.entries(nested.values)));
    } else if (nested instanceof protobuf.Service && compared) {
      schema.services.set(name, new Map(nested.methodsArray.map((method) => [method.name, methodFacts(method)])));
    }

    if (nested instanceof protobuf.Namespace) {
      collectNamespace(nested, schema);
    }
  }
}

function methodFacts(method: protobuf.Method): MethodFacts {
  method.resolve();
  return {
    request: method.resolvedRequestType ? qualifiedName(method.resolvedRequestType) : method.requestType,
    response: method.resolvedResponseType ? qualifiedName(method.resolvedResponseType) : method.responseType,
    request_stream: method.requestStream === true,
    response_stream: method.responseStream === true,
  };
}

function readManifest(): Manifest {
  const manifest = JSON.parse(fs.readFileSync(MANIFEST_FILE, 'utf8')) as Manifest;

  for (const entry of manifest.messages) {
    for (const field of entry.fields) {
      if (!Number.isInteger(field.number) || !LABELS.includes(field.label) || typeof field.type !== 'string') {
        throw new Error(
          `${MANIFEST_FILE}: field ${entry.message}.${field.name} needs an integer number, a type and a label ` +
            `(one of ${LABELS.join(', ')}); got ${JSON.stringify(field)}`,
        );
      }
    }
  }
  return manifest;
}

function schemaFromManifest(manifest: Manifest): Schema {
  const schema: Schema = { messages: new Map(), enums: new Map(), services: new Map() };

  for (const entry of manifest.messages) {
    schema.messages.set(entry.message, new Map(entry.fields.map((field) => [field.name, field])));
  }
  for (const entry of manifest.enums) {
    schema.enums.set(entry.enum, new Map(Object.entries(entry.values)));
  }
  return schema;
}

/**
 * Compares every field, enum value and RPC method of `ours` with the first
 * source that defines it. Anything that no source defines is listed as
 * unchecked. A field or value name that no source defines, but whose number a
 * source uses under another name, is reported as a difference (a rename).
 */
function compareSchemas(ours: Schema, sources: UpstreamSource[]): CompatReport {
  const report: CompatReport = {
    differences: [],
    checked: new Map(sources.map((source) => [source.name, []])),
    unchecked: [],
  };

  for (const [messageName, fields] of ours.messages) {
    compareMessage(messageName, fields, sources, report);
  }
  for (const [enumName, values] of ours.enums) {
    compareEnum(enumName, values, sources, report);
  }
  for (const [serviceName, methods] of ours.services) {
    compareService(serviceName, methods, sources, report);
  }
  return report;
}

function compareMessage(
  messageName: string,
  fields: Map<string, FieldFacts>,
  sources: UpstreamSource[],
  report: CompatReport,
): void {
  if (fields.size === 0 && !sources.some((source) => source.schema.messages.has(messageName))) {
    report.unchecked.push(messageName);
    return;
  }

  for (const field of fields.values()) {
    const id = `${messageName}.${field.name}`;
    const upstreamFields = sources.map((source) => ({ source, fields: source.schema.messages.get(messageName) }));

    const byName = upstreamFields.find((entry) => entry.fields?.has(field.name));
    if (byName?.fields) {
      report.differences.push(...fieldDifferences(id, field, byName.fields.get(field.name)!, byName.source.name));
      report.checked.get(byName.source.name)!.push(id);
      continue;
    }

    const renamed = upstreamFields
      .map((entry) => ({ source: entry.source, other: [...(entry.fields?.values() ?? [])].find((f) => f.number === field.number) }))
      .find((entry) => entry.other !== undefined);
    if (renamed?.other) {
      report.differences.push(
        `${id}: number ${field.number} is field "${renamed.other.name}" in ${renamed.source.name}, ` +
          `which has no field "${field.name}"`,
      );
      continue;
    }

    report.unchecked.push(id);
  }
}

function fieldDifferences(id: string, ours: FieldFacts, theirs: FieldFacts, sourceName: string): string[] {
  const differences: string[] = [];
  const aspects: [string, unknown, unknown][] = [
    ['number', ours.number, theirs.number],
    ['type', ours.type, theirs.type],
    ['label', ours.label, theirs.label],
    ['map key type', ours.key_type, theirs.key_type],
    ['oneof', ours.oneof, theirs.oneof],
  ];

  for (const [aspect, ourValue, theirValue] of aspects) {
    if (ourValue !== theirValue) {
      differences.push(`${id}: ${aspect} is ${String(ourValue)} in ours but ${String(theirValue)} in ${sourceName}`);
    }
  }
  return differences;
}

function compareEnum(enumName: string, values: Map<string, number>, sources: UpstreamSource[], report: CompatReport): void {
  for (const [valueName, number] of values) {
    const id = `${enumName}.${valueName}`;
    const upstreamValues = sources.map((source) => ({ source, values: source.schema.enums.get(enumName) }));

    const byName = upstreamValues.find((entry) => entry.values?.has(valueName));
    if (byName?.values) {
      const theirs = byName.values.get(valueName);
      if (theirs !== number) {
        report.differences.push(`${id}: value is ${number} in ours but ${String(theirs)} in ${byName.source.name}`);
      }
      report.checked.get(byName.source.name)!.push(id);
      continue;
    }

    const renamed = upstreamValues
      .map((entry) => ({ source: entry.source, other: [...(entry.values ?? [])].find(([, n]) => n === number) }))
      .find((entry) => entry.other !== undefined);
    if (renamed?.other) {
      report.differences.push(`${id}: value ${number} is named "${renamed.other[0]}" in ${renamed.source.name}`);
      continue;
    }

    report.unchecked.push(id);
  }
}

function compareService(
  serviceName: string,
  methods: Map<string, MethodFacts>,
  sources: UpstreamSource[],
  report: CompatReport,
): void {
  for (const [methodName, ours] of methods) {
    const id = `${serviceName}/${methodName}`;
    const match = sources.find((source) => source.schema.services.get(serviceName)?.has(methodName));
    if (!match) {
      report.unchecked.push(id);
      continue;
    }

    const theirs = match.schema.services.get(serviceName)!.get(methodName)!;
    for (const aspect of ['request', 'response', 'request_stream', 'response_stream'] as const) {
      if (ours[aspect] !== theirs[aspect]) {
        report.differences.push(`${id}: ${aspect} is ${String(ours[aspect])} in ours but ${String(theirs[aspect])} in ${match.name}`);
      }
    }
    report.checked.get(match.name)!.push(id);
  }
}

let cachedSources: UpstreamSource[] | undefined;

/** Loads the upstream sources once: the xds copy first, then the manifest for what that copy lacks. */
function upstreamSources(): UpstreamSource[] {
  if (!cachedSources) {
    const manifest = readManifest();
    const xdsRoot = loadProtoTree([...XDS_INCLUDE_DIRS, PROTOBUFJS_DIR], SERVICE_FILE);
    cachedSources = [
      { name: 'the xds copy (@grpc/grpc-js-xds deps/envoy-api)', schema: schemaFromRoot(xdsRoot) },
      {
        name: `the manifest (${manifest.source.repository} ${manifest.source.commit.slice(0, 8)})`,
        schema: schemaFromManifest(manifest),
      },
    ];
  }
  return cachedSources;
}

function printReport(t: TestContext, report: CompatReport): void {
  for (const [sourceName, ids] of report.checked) {
    t.diagnostic(`checked against ${sourceName} (${ids.length}): ${ids.join(', ')}`);
  }
  t.diagnostic(`not checked (${report.unchecked.length}): ${report.unchecked.join(', ') || 'none'}`);
}

/** Copies proto/ to a temp dir with `from` replaced by `to` in one file. */
function mutatedProtoCopy(t: TestContext, file: string, from: string, to: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctxproc-proto-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.cpSync(protoRoot(), dir, { recursive: true });

  const target = path.join(dir, file);
  const text = fs.readFileSync(target, 'utf8');
  assert.equal(text.split(from).length, 2, `expected exactly one "${from}" in proto/${file}; update this test case`);
  fs.writeFileSync(target, text.replace(from, to));
  return dir;
}

test('proto/ matches the xds copy and the manifest', (t) => {
  const [xds, manifest] = upstreamSources();
  const report = compareSchemas(schemaFromRoot(codecRoot), upstreamSources());
  printReport(t, report);

  assert.deepEqual(report.differences, []);
  assert.deepEqual(report.unchecked, [], 'fields of ours found neither in the xds copy nor in the manifest');
  assert.ok(report.checked.get(xds!.name)!.includes('envoy.service.ext_proc.v3.ProcessingRequest.observability_mode'));
  assert.ok(report.checked.get(xds!.name)!.includes('envoy.service.ext_proc.v3.ExternalProcessor/Process'));
  assert.ok(report.checked.get(manifest!.name)!.includes('envoy.service.ext_proc.v3.ProcessingRequest.protocol_config'));
});

test('every manifest entry is used by proto/', () => {
  const [, manifest] = upstreamSources();
  const report = compareSchemas(schemaFromRoot(codecRoot), upstreamSources());
  const checked = new Set(report.checked.get(manifest!.name));

  const recorded = [...manifest!.schema.messages].flatMap(([message, fields]) => [...fields.keys()].map((field) => `${message}.${field}`));
  recorded.push(...[...manifest!.schema.enums].flatMap(([name, values]) => [...values.keys()].map((value) => `${name}.${value}`)));
  assert.deepEqual(recorded.filter((id) => !checked.has(id)), []);
});

test('manifest agrees with the xds copy', () => {
  const [xds, manifest] = upstreamSources();
  const report = compareSchemas(manifest!.schema, [xds!]);

  assert.deepEqual(report.differences, []);
});

test('test loader reads proto/ as the codec does', () => {
  const loaded = schemaFromRoot(loadProtoTree([protoRoot()], SERVICE_FILE));

  assert.deepEqual(loaded, schemaFromRoot(codecRoot));
  assert.ok(loaded.messages.size > 10, `expected the ext_proc messages, got ${loaded.messages.size}`);
});

const EXTERNAL_PROCESSOR = SERVICE_FILE;
const PROCESSING_MODE = 'envoy/extensions/filters/http/ext_proc/v3/processing_mode.proto';

const MUTATIONS = [
  {
    name: 'field number, xds-checked',
    file: EXTERNAL_PROCESSOR,
    from: 'bool observability_mode = 10;',
    to: 'bool observability_mode = 13;',
    expected: 'envoy.service.ext_proc.v3.ProcessingRequest.observability_mode: number is 13 in ours but 10 in the xds copy',
  },
  {
    name: 'field number, manifest-checked',
    file: EXTERNAL_PROCESSOR,
    from: 'ProtocolConfiguration protocol_config = 11;',
    to: 'ProtocolConfiguration protocol_config = 14;',
    expected: 'envoy.service.ext_proc.v3.ProcessingRequest.protocol_config: number is 14 in ours but 11 in the manifest',
  },
  {
    name: 'scalar type',
    file: EXTERNAL_PROCESSOR,
    from: 'uint32 status = 1;',
    to: 'int32 status = 1;',
    expected: 'envoy.service.ext_proc.v3.GrpcStatus.status: type is int32 in ours but uint32',
  },
  {
    name: 'repeated label',
    file: EXTERNAL_PROCESSOR,
    from: 'repeated string remove_headers = 2;',
    to: 'string remove_headers = 2;',
    expected: 'envoy.service.ext_proc.v3.HeaderMutation.remove_headers: label is singular in ours but repeated',
  },
  {
    name: 'map key type',
    file: EXTERNAL_PROCESSOR,
    from: 'map<string, google.protobuf.Struct> attributes = 9;',
    to: 'map<int32, google.protobuf.Struct> attributes = 9;',
    expected: 'envoy.service.ext_proc.v3.ProcessingRequest.attributes: map key type is int32 in ours but string',
  },
  {
    name: 'oneof membership',
    file: EXTERNAL_PROCESSOR,
    from: 'StreamedImmediateResponse streamed_immediate_response = 11;\n  }',
    to: '}\n  StreamedImmediateResponse streamed_immediate_response = 11;',
    expected: 'envoy.service.ext_proc.v3.ProcessingResponse.streamed_immediate_response: oneof is undefined in ours but response',
  },
  {
    name: 'renamed field',
    file: EXTERNAL_PROCESSOR,
    from: 'bool observability_mode = 10;',
    to: 'bool observe_only = 10;',
    expected: 'envoy.service.ext_proc.v3.ProcessingRequest.observe_only: number 10 is field "observability_mode"',
  },
  {
    name: 'enum value, xds-checked',
    file: EXTERNAL_PROCESSOR,
    from: 'CONTINUE_AND_REPLACE = 1;',
    to: 'CONTINUE_AND_REPLACE = 2;',
    expected: 'envoy.service.ext_proc.v3.CommonResponse.ResponseStatus.CONTINUE_AND_REPLACE: value is 2 in ours but 1',
  },
  {
    name: 'enum value, manifest-checked',
    file: PROCESSING_MODE,
    from: 'FULL_DUPLEX_STREAMED = 4;',
    to: 'FULL_DUPLEX_STREAMED = 6;',
    expected: 'envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode.FULL_DUPLEX_STREAMED: value is 6 in ours but 4 in the manifest',
  },
  {
    name: 'streaming flag of Process',
    file: EXTERNAL_PROCESSOR,
    from: 'rpc Process(stream ProcessingRequest)',
    to: 'rpc Process(ProcessingRequest)',
    expected: 'envoy.service.ext_proc.v3.ExternalProcessor/Process: request_stream is false in ours but true',
  },
];

for (const mutation of MUTATIONS) {
  test(`mismatch reported: ${mutation.name}`, (t) => {
    const dir = mutatedProtoCopy(t, mutation.file, mutation.from, mutation.to);
    const report = compareSchemas(schemaFromRoot(loadProtoTree([dir], SERVICE_FILE)), upstreamSources());

    const found = report.differences.filter((difference) => difference.startsWith(mutation.expected));
    assert.equal(found.length, 1, `expected a difference starting "${mutation.expected}", got ${JSON.stringify(report.differences)}`);
    assert.equal(report.differences.length, 1, `expected only that difference, got ${JSON.stringify(report.differences)}`);
  });
}

test('field missing upstream is unchecked', (t) => {
  const dir = mutatedProtoCopy(t, EXTERNAL_PROCESSOR, 'bool observability_mode = 10;', 'bool observability_mode = 10;\n\n  bool local_extension = 99;');
  const report = compareSchemas(schemaFromRoot(loadProtoTree([dir], SERVICE_FILE)), upstreamSources());

  assert.deepEqual(report.unchecked, ['envoy.service.ext_proc.v3.ProcessingRequest.local_extension']);
  assert.deepEqual(report.differences, []);
});
