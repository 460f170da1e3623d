// `ctxproc envoy-config`: the processing mode and attributes a rule set
// needs, computed from what its rules read, and printed as Envoy YAML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { Phase } from '../../src/model/phase.js';
import { envoyConfigYaml, filterNeeds } from '../../src/rules/envoy-config.js';
import { loadRuleSet } from '../../src/rules/load.js';
import { runCli } from '../helpers/spawn-ctxproc.js';
import { writeRuleFile } from '../rules/builders.js';

function rule(id: string, when: string): string {
  return `  - id: ${id}\n    description: Rule ${id}.\n    when: ${JSON.stringify(when)}\n    actions:\n      - tag: { seen: '${id}' }\n`;
}

test('headers-only rules need no bodies', () => {
  const needs = filterNeeds(loadRuleSet(writeRuleFile(rule('method', "request.method == 'POST'"))).rules);
  assert.equal(needs.requestBody, false);
  assert.equal(needs.responseBody, false);
  assert.equal(needs.requestTrailers, false);
  assert.equal(needs.responseTrailers, false);
  assert.deepEqual(needs.requestAttributes, ['source.address', 'source.port', 'destination.address', 'destination.port', 'request.protocol']);
});

test('a log action that includes a body needs its phase', () => {
  const text = "  - id: log-body\n    description: Logs the request body.\n    when: \"request.method == 'POST'\"\n    actions:\n      - log: { include: { request_body: 2048 } }\n";
  const needs = filterNeeds(loadRuleSet(writeRuleFile(text)).rules);

  assert.equal(needs.requestBody, true);
  assert.equal(needs.responseBody, false);
  assert.equal(needs.reasons.get(Phase.RequestBody), "rule 'log-body' logs the request body");
});

test('body, trailer and connection reads', () => {
  const rules = loadRuleSet(writeRuleFile(
    rule('json', 'has(request.json.admin)') +
      rule('leak', "response.body.contains('Exception')") +
      rule('checksum', "'x-checksum' in response.trailers") +
      rule('mtls', "connection.mtls && connection.subject_peer_certificate.contains('CN=')") +
      rule('protocol', "request.protocol == 'HTTP/2'"),
  )).rules;
  const needs = filterNeeds(rules);

  assert.equal(needs.requestBody, true);
  assert.equal(needs.responseBody, true);
  assert.equal(needs.requestTrailers, false);
  assert.equal(needs.responseTrailers, true);
  assert.deepEqual(needs.requestAttributes, ['source.address', 'source.port', 'destination.address', 'destination.port', 'request.protocol', 'connection.mtls', 'connection.subject_peer_certificate']);
  assert.equal(needs.reasons.get(Phase.RequestBody), "rule 'json' reads request.json");
});

test('yaml fields parse as filter config', () => {
  const needs = filterNeeds(loadRuleSet(writeRuleFile(rule('sqli', "detections.exists(d, d['class'] == 'sqli')"))).rules);
  const config = parse(envoyConfigYaml(needs, 'sha256:test')) as Record<string, unknown>;

  assert.deepEqual(config['processing_mode'], {
    request_header_mode: 'SEND',
    response_header_mode: 'SEND',
    request_body_mode: 'BUFFERED_PARTIAL',
    response_body_mode: 'NONE',
    request_trailer_mode: 'SKIP',
    response_trailer_mode: 'SKIP',
  });
  assert.equal(config['allow_mode_override'], true);
  assert.deepEqual(config['request_attributes'], ['source.address', 'source.port', 'destination.address', 'destination.port', 'request.protocol']);
  assert.deepEqual(config['response_attributes'], []);
});

test('cli prints config for rules', async () => {
  const file = writeRuleFile(rule('body', "request.body.contains('x')"));
  const result = await runCli(['envoy-config', '--rules', file]);

  assert.equal(result.code, 0, result.stderr);
  const config = parse(result.stdout) as { processing_mode: Record<string, string> };
  assert.equal(config.processing_mode['request_body_mode'], 'BUFFERED_PARTIAL');
  assert.match(result.stdout, /request_body_mode: BUFFERED_PARTIAL {2}# rule 'body' reads request\.body/);
});

test('cli rejects invalid rules', async () => {
  const file = writeRuleFile(rule('broken', 'request.nope == 1'));
  const result = await runCli(['envoy-config', '--rules', file]);

  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /unknown attribute 'request\.nope'/);
  assert.match(result.stderr, /invalid rule set; fix the problems above/);
});
