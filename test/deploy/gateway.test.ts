// Validates envoy/gateway/: the Envoy Gateway resources against the fields
// of Envoy Gateway's API, the ReferenceGrant against the Gateway API schema,
// and the ext_proc filter config and bootstrap they imply against Envoy's
// own messages.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadEnvoyApi } from '../helpers/envoy-api/load.js';
import { checkMessage } from '../helpers/envoy-api/strict-proto.js';
import { KubernetesKeyChecker } from '../helpers/k8s-schema/strict-keys.js';
import { validateWithModel } from '../helpers/k8s-schema/models.js';
import { kustomizeBuild } from '../helpers/kustomize/build.js';
import { writeBrokenCopy } from './broken-copy.js';
import { EXPECTED_FILTER_SETTINGS, filterSettingsOf } from './envoy-expectations.js';
import { envoyGatewayProblems, extProcFilterConfig, protoDuration } from './envoy-gateway-api.js';
import { EXT_PROC_FILTER, connectionManagers, filterConfig, readYaml, repoPath, type Json } from './envoy-config.js';

const GATEWAY = repoPath('envoy', 'gateway');
const EXT_PROC_TYPE = 'envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor';
const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';
const GRACEFUL_CLOSE_GUARD = 'envoy.reloadable_features.ext_proc_graceful_grpc_close';

const api = loadEnvoyApi();
const policyFile = path.join(GATEWAY, 'extension-policy.yaml');
const proxyFile = path.join(GATEWAY, 'envoy-proxy.yaml');
const grantFile = path.join(GATEWAY, 'reference-grant.yaml');
const policy = readYaml(policyFile);
const proxy = readYaml(proxyFile);
const grant = readYaml(grantFile);
const grantChecker = new KubernetesKeyChecker([grant as { apiVersion: string; kind: string }]);

/** Returns every problem of an Envoy Gateway object, including the Envoy messages it implies. */
function gatewayProblems(object: Json): string[] {
  const problems = envoyGatewayProblems(object);
  if (object.kind === 'EnvoyExtensionPolicy') {
    for (const [index, entry] of ((object.spec.extProc ?? []) as Json[]).entries()) {
      const derived = checkMessage(api, EXT_PROC_TYPE, extProcFilterConfig(entry, 'extproc'), `$.spec.extProc[${index}]=>ExternalProcessor`);
      problems.push(...derived.map((problem) => `${problem.path}: ${problem.message}`));
    }
  }
  if (object.kind === 'EnvoyProxy' && typeof object.spec?.bootstrap?.value === 'string') {
    const bootstrap = checkMessage(api, BOOTSTRAP_TYPE, parse(object.spec.bootstrap.value), '$.spec.bootstrap.value');
    problems.push(...bootstrap.map((problem) => `${problem.path}: ${problem.message}`));
  }
  return problems;
}

test('gateway resources match their schemas', async () => {
  assert.deepEqual(gatewayProblems(policy), []);
  assert.deepEqual(gatewayProblems(proxy), []);
  assert.equal(await validateWithModel(grant), null);
  assert.deepEqual(grantChecker.check(grant), []);
});

test('gateway broken copies fail', () => {
  const cases = [
    { file: policyFile, find: 'messageTimeout: 500ms', replace: 'messageTimout: 500ms', reason: /unknown field messageTimout/ },
    { file: policyFile, find: 'failOpen: false', replace: 'failOpen: "no"', reason: /failOpen: must be boolean/ },
    { file: policyFile, find: 'messageTimeout: 500ms', replace: 'messageTimeout: half a second', reason: /messageTimeout: must match pattern/ },
    { file: policyFile, find: '- source.port', replace: '- client.port', reason: /attributes\/1: must match pattern/ },
    { file: proxyFile, find: 'static_layer:', replace: 'static_layr:', reason: /unknown field static_layr/ },
    { file: proxyFile, find: 'type: Merge', replace: 'type: merge', reason: /type: must be equal to one of the allowed values/ },
    { file: proxyFile, find: '- name: ctxproc', replace: '- name: [ctxproc]', reason: /name: expected a string/ },
  ];

  for (const { file, find, replace, reason } of cases) {
    const problems = gatewayProblems(readYaml(writeBrokenCopy(file, { find, replace })));
    assert.ok(problems.some((problem) => reason.test(problem)), `${replace}: expected ${reason}, found ${problems.join('\n') || 'no problem'}`);
  }
});

test('gateway broken grants fail', async () => {
  const misspelled = readYaml(writeBrokenCopy(grantFile, { find: '  to:', replace: '  too:' }));
  const wrongType = readYaml(writeBrokenCopy(grantFile, { find: 'kind: Service', replace: 'kind: [Service]' }));

  assert.match(grantChecker.check(misspelled).map((problem) => problem.message).join('\n'), /unknown field too; did you mean to/);
  assert.match((await validateWithModel(wrongType)) ?? 'no problem', /kind must be string/);
});

test('gateway ext_proc settings match envoy.yaml', () => {
  const standalone = filterConfig(connectionManagers(readYaml(repoPath('envoy', 'envoy.yaml')))[0]!, EXT_PROC_FILTER);
  const derived = extProcFilterConfig(policy.spec.extProc[0], 'extproc');

  assert.deepEqual(filterSettingsOf(derived), EXPECTED_FILTER_SETTINGS);
  assert.equal(derived.failure_mode_allow, standalone.failure_mode_allow);
  assert.equal(derived.message_timeout, standalone.message_timeout);
  assert.equal(derived.allow_mode_override, standalone.allow_mode_override);
  assert.deepEqual(derived.metadata_options.receiving_namespaces, standalone.metadata_options.receiving_namespaces);
  assert.ok(policy.spec.extProc[0].backendSettings.circuitBreaker.maxParallelRequests > 1024);
});

test('gateway reaches the deployed Service', () => {
  const service = kustomizeBuild(repoPath('deploy', 'base')).find((object) => object.kind === 'Service')!;
  const backend = policy.spec.extProc[0].backendRefs[0];
  const grpcPort = service.spec.ports.find((port: Json) => port.appProtocol === 'grpc');

  assert.equal(backend.name, service.metadata.name);
  assert.equal(backend.namespace, service.metadata.namespace);
  assert.equal(backend.port, grpcPort.port);
  assert.equal(grant.metadata.namespace, service.metadata.namespace);
  assert.deepEqual(grant.spec.from[0], { group: 'gateway.envoyproxy.io', kind: 'EnvoyExtensionPolicy', namespace: policy.metadata.namespace });
  assert.deepEqual(grant.spec.to[0], { group: '', kind: 'Service', name: service.metadata.name });
});

test('gateway enables the graceful close guard', () => {
  const layers: Json[] = parse(proxy.spec.bootstrap.value).layered_runtime.layers;
  assert.ok(layers.some((layer) => layer.static_layer?.[GRACEFUL_CLOSE_GUARD] === true));
});

test('gateway durations convert to protobuf', () => {
  assert.equal(protoDuration('500ms'), '0.5s');
  assert.equal(protoDuration('1m30s'), '90s');
  assert.equal(protoDuration('2h'), '7200s');
  assert.equal(protoDuration('1s250ms'), '1.25s');
});

test('gateway derives body and trailer modes', () => {
  // FULL_DUPLEX_STREAMED (Envoy 1.34) is newer than the vendored protos,
  // so the strict check would reject it; STREAMED shows the mapping.
  const entry = { ...policy.spec.extProc[0], processingMode: { request: { body: 'Streamed' }, response: { body: 'Buffered' } } };
  const config = extProcFilterConfig(entry, 'extproc');

  assert.deepEqual(checkMessage(api, EXT_PROC_TYPE, config), []);
  assert.equal(config.processing_mode.request_body_mode, 'STREAMED');
  assert.equal(config.processing_mode.request_trailer_mode, 'SKIP');
  assert.equal(config.processing_mode.response_body_mode, 'BUFFERED');
  assert.equal(config.processing_mode.response_trailer_mode, 'SKIP');
});
