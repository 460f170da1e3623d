// The ECS mapping against what Elastic Security requires of every document
// (@timestamp, ecs.version, event.kind, event.category, event.type) and
// the ECS allowed values of the categorisation fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ECS_VERSION, toEcs } from '../../../src/events/formats/ecs.js';
import { createFormatter } from '../../../src/events/formats/index.js';
import { allowedEvent, blockedEvent } from './formats-fixtures.js';

const KINDS = ['alert', 'event'];
const CATEGORIES = ['web', 'intrusion_detection', 'network'];
const TYPES = ['access', 'allowed', 'denied', 'info'];

function assertRequired(ecs: Record<string, any>): void {
  assert.equal(typeof ecs['@timestamp'], 'string');
  assert.ok(!Number.isNaN(Date.parse(ecs['@timestamp'] as string)), '@timestamp does not parse');
  assert.equal(ecs.ecs.version, ECS_VERSION);
  assert.ok(KINDS.includes(ecs.event.kind), `event.kind ${ecs.event.kind}`);
  assert.ok(Array.isArray(ecs.event.category), 'event.category is not an array');
  assert.ok(ecs.event.category.length > 0, 'event.category is empty');
  for (const category of ecs.event.category as string[]) {
    assert.ok(CATEGORIES.includes(category), `event.category ${category}`);
  }
  for (const type of ecs.event.type as string[]) {
    assert.ok(TYPES.includes(type), `event.type ${type}`);
  }
}

test('ecs allowed GET has required fields', () => {
  const ecs = toEcs(allowedEvent());

  assertRequired(ecs);
  assert.equal(ecs.event.kind, 'event');
  assert.deepEqual(ecs.event.type, ['access', 'allowed']);
  assert.equal(ecs.event.outcome, 'failure');
  assert.equal(ecs.event.duration, 12_345_678);
  assert.equal((ecs.http as any).request.method, 'GET');
  assert.equal((ecs.http as any).request.id, 'req-1');
  assert.equal((ecs.http as any).response.status_code, 404);
  assert.equal((ecs.url as any).path, '/orders/9');
  assert.equal((ecs.url as any).query, 'page=2');
  assert.equal((ecs.source as any).ip, '203.0.113.9');
  assert.equal((ecs.user_agent as any).original, 'curl/8.5');
  assert.equal((ecs.rule as any).id, 'log-unsuccessful');
  assert.deepEqual({ ...(ecs.labels as object) }, { team: 'payments' });
  assert.equal((ecs.service as any).environment, 'prod');
});

test('ecs blocked POST is an alert', () => {
  const ecs = toEcs(blockedEvent());

  assertRequired(ecs);
  assert.equal(ecs.event.kind, 'alert');
  assert.deepEqual(ecs.event.category, ['web', 'intrusion_detection']);
  assert.deepEqual(ecs.event.type, ['access', 'denied']);
  assert.equal(ecs.event.action, 'blocked');
  assert.equal((ecs.rule as any).id, 'block-admin');
  assert.equal((ecs.http as any).request.body.content, 'user=alice');
});

test('ecs formatter writes one JSON line', () => {
  const line = createFormatter('ecs')(blockedEvent());

  assert.ok(!line.includes('\n'));
  assert.equal(((JSON.parse(line) as Record<string, any>).ecs as Record<string, unknown>).version, ECS_VERSION);
});
