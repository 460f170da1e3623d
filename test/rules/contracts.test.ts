// Lists that live in two places are kept equal: the JSON Schema and the
// action registry, the schema and the detector names, the block statuses and
// Envoy's StatusCode enum, the attribute table and the activation classes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { ACTIONS } from '../../src/rules/actions/registry.js';
import { DETECTOR_NAMES } from '../../src/rules/actions/redact.js';
import { ConnectionAttributes, CtxprocAttributes, PeerAttributes, RequestAttributes, ResponseAttributes } from '../../src/rules/activation.js';
import { ATTRIBUTES, ATTRIBUTE_ROOTS } from '../../src/rules/attributes.js';
import { ENVOY_STATUS_CODES } from '../../src/rules/http-status.js';
import { ruleSetSchemaPath } from '../../src/rules/schema.js';
import { PROJECT_ROOT } from './builders.js';

interface SchemaDefinitions {
  $defs: {
    action: { properties: Record<string, unknown> };
    redact: { properties: { detectors: { items: { enum: string[] } } } };
  };
}

const schema = JSON.parse(fs.readFileSync(ruleSetSchemaPath(), 'utf8')) as SchemaDefinitions;

test('schema actions match registry', () => {
  assert.deepEqual(Object.keys(schema.$defs.action.properties).sort(), Object.keys(ACTIONS).sort());
  for (const [name, definition] of Object.entries(ACTIONS)) {
    assert.equal(definition.name, name);
  }
});

test('schema detectors match detector names', () => {
  assert.deepEqual([...schema.$defs.redact.properties.detectors.items.enum].sort(), [...DETECTOR_NAMES].sort());
});

test('block statuses match envoy enum', () => {
  const protoFile = path.join(PROJECT_ROOT, 'proto/envoy/type/v3/http_status.proto');
  const root = protobuf.loadSync(protoFile);
  const codes = Object.values(root.lookupEnum('envoy.type.v3.StatusCode').values).filter((code) => code >= 200);

  assert.deepEqual([...ENVOY_STATUS_CODES].sort(), codes.sort());
});

test('activation provides every attribute', () => {
  const classes: Record<string, object> = {
    Request: RequestAttributes.prototype,
    Response: ResponseAttributes.prototype,
    Connection: ConnectionAttributes.prototype,
    Ctxproc: CtxprocAttributes.prototype,
  };
  const peer = new PeerAttributes({ address: '127.0.0.1', port: 1 });

  for (const root of ATTRIBUTE_ROOTS) {
    const { typeName, fields } = ATTRIBUTES[root];
    for (const field of Object.keys(fields)) {
      const provided = typeName === 'Peer' ? Object.hasOwn(peer, field) : Object.getOwnPropertyDescriptor(classes[typeName] ?? {}, field)?.get !== undefined;
      assert.ok(provided, `${root}.${field} has no value in the activation`);
    }
  }
});
