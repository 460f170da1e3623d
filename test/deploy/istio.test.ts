// Validates envoy/istio/: each resource against Istio's CRD schema from
// @kubernetes-models/istio (with the strict unknown-field check), and each
// EnvoyFilter patch value against the Envoy API message it patches.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadEnvoyApi } from '../helpers/envoy-api/load.js';
import { checkMessage, formatProblems } from '../helpers/envoy-api/strict-proto.js';
import { KubernetesKeyChecker } from '../helpers/k8s-schema/strict-keys.js';
import { validateWithModel } from '../helpers/k8s-schema/models.js';
import { kustomizeBuild } from '../helpers/kustomize/build.js';
import { writeBrokenCopy } from './broken-copy.js';
import { EXPECTED_FILTER_SETTINGS, filterSettingsOf } from './envoy-expectations.js';
import { EXT_PROC_FILTER, ROUTER_FILTER, connectionManagers, filterConfig, readYaml, readYamlDocuments, repoPath, type Json } from './envoy-config.js';

const ISTIO = repoPath('envoy', 'istio');
const GRACEFUL_CLOSE_GUARD = 'envoy.reloadable_features.ext_proc_graceful_grpc_close';

/** The Envoy message that an EnvoyFilter patch value is, by applyTo (Istio's EnvoyFilter reference). */
const PATCH_VALUE_TYPES: Record<string, string> = {
  HTTP_FILTER: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter',
  NETWORK_FILTER: 'envoy.config.listener.v3.Filter',
  CLUSTER: 'envoy.config.cluster.v3.Cluster',
  LISTENER: 'envoy.config.listener.v3.Listener',
  BOOTSTRAP: 'envoy.config.bootstrap.v3.Bootstrap',
};

const api = loadEnvoyApi();
const files = readdirSync(ISTIO).filter((name) => name.endsWith('.yaml')).map((name) => path.join(ISTIO, name));
const resources = files.flatMap((file) => readYamlDocuments(file).map((object) => ({ file, object })));
const keyChecker = new KubernetesKeyChecker(resources.map(({ object }) => object as { apiVersion: string; kind: string }));

async function problemsOf(object: Json): Promise<string[]> {
  const problems: string[] = [];
  const invalid = await validateWithModel(object);
  if (invalid) {
    problems.push(invalid);
  }
  problems.push(...keyChecker.check(object).map((unknown) => `${unknown.path}: ${unknown.message}`));

  for (const [index, patch] of ((object.spec?.configPatches ?? []) as Json[]).entries()) {
    const type = PATCH_VALUE_TYPES[patch.applyTo];
    if (!type) {
      problems.push(`configPatches[${index}]: no Envoy message known for applyTo ${patch.applyTo}`);
      continue;
    }
    problems.push(...checkMessage(api, type, patch.patch.value, `$.spec.configPatches[${index}].patch.value`).map((problem) => `${problem.path}: ${problem.message}`));
  }
  return problems;
}

function envoyFilter(name: string): Json {
  const found = resources.find(({ object }) => object.kind === 'EnvoyFilter' && object.metadata.name === name);
  assert.ok(found, `EnvoyFilter ${name} not found in envoy/istio`);
  return found.object;
}

test('istio resources match their schemas', async () => {
  assert.ok(resources.length >= 4, `found ${resources.length} resources`);
  for (const { file, object } of resources) {
    assert.deepEqual(await problemsOf(object), [], path.basename(file));
  }
});

test('istio broken copies fail', async () => {
  const cases = [
    { file: 'ext-proc-sidecar.yaml', find: 'message_timeout: 0.5s', replace: 'message_timout: 0.5s', reason: /unknown field message_timout/ },
    { file: 'ext-proc-sidecar.yaml', find: 'allow_mode_override: true', replace: 'allow_mode_override: "yes"', reason: /expected true or false/ },
    { file: 'ext-proc-ingress-gateway.yaml', find: 'workloadSelector:', replace: 'workloadSelecter:', reason: /unknown field workloadSelecter/ },
    { file: 'ext-proc-ingress-gateway.yaml', find: 'context: GATEWAY', replace: 'context: INGRESS', reason: /context.*allowed values/ },
    { file: 'ext-proc-ingress-gateway.yaml', find: 'allow_mode_override: true', replace: 'allow_mode_override: 1', reason: /expected true or false/ },
    { file: 'graceful-close.yaml', find: '- name: ctxproc', replace: '- name: 42', reason: /name: expected a string/ },
    { file: 'graceful-close.yaml', find: 'static_layer:', replace: 'static_layers:', reason: /unknown field static_layers/ },
    { file: 'destination-rule.yaml', find: 'http2MaxRequests: 16384', replace: 'http2MaxRequest: 16384', reason: /unknown field http2MaxRequest/ },
    { file: 'destination-rule.yaml', find: 'probes: 3', replace: 'probes: three', reason: /probes.*must be integer/ },
    { file: 'service-entry-external.yaml', find: 'resolution: DNS', replace: 'resolutoin: DNS', reason: /unknown field resolutoin; did you mean resolution/ },
    { file: 'service-entry-external.yaml', find: 'number: 50051', replace: 'number: grpc', reason: /number.*must be integer/ },
  ];

  for (const { file, find, replace, reason } of cases) {
    const [object] = readYamlDocuments(writeBrokenCopy(path.join(ISTIO, file), { find, replace }));
    const problems = await problemsOf(object!);
    assert.ok(problems.some((problem) => reason.test(problem)), `${file} with ${replace}: expected ${reason}, found ${problems.join('\n') || 'no problem'}`);
  }
});

test('istio filters go before the router', () => {
  for (const [name, context] of [['ctxproc-sidecar', 'SIDECAR_INBOUND'], ['ctxproc-ingress-gateway', 'GATEWAY']] as const) {
    const patch = envoyFilter(name).spec.configPatches[0];
    assert.equal(patch.applyTo, 'HTTP_FILTER');
    assert.equal(patch.match.context, context);
    assert.equal(patch.match.listener.filterChain.filter.subFilter.name, ROUTER_FILTER);
    assert.equal(patch.patch.operation, 'INSERT_BEFORE');
    assert.equal(patch.patch.value.name, EXT_PROC_FILTER);
    assert.ok(Object.keys(envoyFilter(name).spec.workloadSelector.labels).length > 0, `${name} needs a workload selector`);
  }
});

test('istio ext_proc settings match envoy.yaml', () => {
  const standalone = filterConfig(connectionManagers(readYaml(repoPath('envoy', 'envoy.yaml')))[0]!, EXT_PROC_FILTER);
  for (const name of ['ctxproc-sidecar', 'ctxproc-ingress-gateway']) {
    const extProc = envoyFilter(name).spec.configPatches[0].patch.value.typed_config;
    assert.deepEqual(filterSettingsOf(extProc), EXPECTED_FILTER_SETTINGS, name);
    for (const field of ['failure_mode_allow', 'message_timeout', 'allow_mode_override', 'metadata_options']) {
      assert.deepEqual(extProc[field], standalone[field], `${name} ${field}`);
    }
  }
});

test('istio cluster names the deployed Service', () => {
  const service = kustomizeBuild(repoPath('deploy', 'base')).find((object) => object.kind === 'Service')!;
  const grpcPort = service.spec.ports.find((port: Json) => port.appProtocol === 'grpc');
  const host = `${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
  const destinationRule = resources.find(({ object }) => object.kind === 'DestinationRule')!.object;

  for (const name of ['ctxproc-sidecar', 'ctxproc-ingress-gateway']) {
    const grpc = envoyFilter(name).spec.configPatches[0].patch.value.typed_config.grpc_service.envoy_grpc;
    assert.equal(grpc.cluster_name, `outbound|${grpcPort.port}||${host}`);
    assert.equal(grpc.authority, host);
  }
  assert.equal(destinationRule.spec.host, host);
  assert.ok(destinationRule.spec.trafficPolicy.connectionPool.http.http2MaxRequests > 1024);
});

test('istio service entry speaks gRPC', () => {
  const entry = resources.find(({ object }) => object.kind === 'ServiceEntry')!.object;
  assert.equal(entry.spec.ports[0].protocol, 'GRPC');
  assert.equal(entry.spec.ports[0].number, 50051);
  assert.equal(entry.spec.hosts.length, 1);
});

test('istio enables the graceful close guard', () => {
  const layers: Json[] = envoyFilter('ctxproc-graceful-close').spec.configPatches[0].patch.value.layered_runtime.layers;
  assert.ok(layers.some((layer) => layer.static_layer?.[GRACEFUL_CLOSE_GUARD] === true));
});

test('istio patch check names the broken field', () => {
  const value = { name: EXT_PROC_FILTER, typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor', grpc_servce: {} } };
  const problems = checkMessage(api, PATCH_VALUE_TYPES.HTTP_FILTER!, value);
  assert.match(formatProblems(problems), /\$\.typed_config\.grpc_servce: unknown field grpc_servce .*did you mean grpc_service/);
});
