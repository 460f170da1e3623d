// Validates envoy/envoy.yaml against Envoy's own Bootstrap message, checks the
// ext_proc settings that the shipped rules need, and plays one request through
// a real ctxproc with the filter settings read from the file.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EnvoyClient, type ProcessingModeConfig } from '../../src/client/envoy-client.js';
import { ACCESS_LOG_HINT_NAMESPACE, METADATA_NAMESPACE } from '../../src/session/transaction.js';
import { RESERVED_METADATA_KEYS } from '../../src/rules/actions/set-metadata.js';
import { EXT_PROC_SERVICE_NAME } from '../../src/transport/grpc-server.js';
import { loadEnvoyApi } from '../helpers/envoy-api/load.js';
import { checkMessage, formatProblems } from '../helpers/envoy-api/strict-proto.js';
import { checkHealth } from '../helpers/grpc-health.js';
import { startTestService, waitFor, type TestService } from '../helpers/service-harness.js';
import { writeBrokenCopy } from './broken-copy.js';
import { EXPECTED_FILTER_SETTINGS, filterSettingsOf } from './envoy-expectations.js';
import {
  EXT_PROC_FILTER, ROUTER_FILTER, cluster, connectionManagers, dynamicMetadataFields, filterConfig, filterNames, readYaml, repoPath, type Json,
} from './envoy-config.js';

const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';
const GRACEFUL_CLOSE_GUARD = 'envoy.reloadable_features.ext_proc_graceful_grpc_close';
const ENVOY_YAML = repoPath('envoy', 'envoy.yaml');

const api = loadEnvoyApi();
const bootstrap = readYaml(ENVOY_YAML);
const hcm = connectionManagers(bootstrap)[0]!;
const extProc = filterConfig(hcm, EXT_PROC_FILTER);

let ctxproc: TestService;

before(async () => {
  ctxproc = await startTestService();
});

after(async () => {
  await ctxproc.stop();
});

test('envoy.yaml parses as a strict Bootstrap', () => {
  const problems = checkMessage(api, BOOTSTRAP_TYPE, bootstrap);
  assert.deepEqual(problems, [], formatProblems(problems));
});

test('envoy.yaml broken copies fail', () => {
  const cases = [
    { find: 'message_timeout: 0.5s', replace: 'message_timout: 0.5s', path: /message_timout$/, reason: /unknown field message_timout.*did you mean message_timeout/ },
    { find: 'failure_mode_allow: false', replace: 'failure_mode_allow: "no"', path: /failure_mode_allow$/, reason: /expected true or false/ },
    { find: 'max_requests: 16384', replace: 'max_requests: -1', path: /max_requests$/, reason: /out of range for uint32/ },
    { find: 'request_body_mode: BUFFERED_PARTIAL', replace: 'request_body_mode: BUFFER', path: /request_body_mode$/, reason: /not a value of enum BodySendMode/ },
    { find: 'explicit_http_config:', replace: 'explicit_http_confg:', path: /explicit_http_confg$/, reason: /unknown field/ },
  ];

  for (const breakage of cases) {
    const problems = checkMessage(api, BOOTSTRAP_TYPE, readYaml(writeBrokenCopy(ENVOY_YAML, breakage)));
    const atBreak = problems.find((problem) => breakage.path.test(problem.path));
    assert.ok(atBreak, `${breakage.replace}: no problem at the broken field; found ${formatProblems(problems) || 'none'}`);
    assert.match(atBreak.message, breakage.reason);
  }
});

test('envoy.yaml runs ext_proc before the router', () => {
  const names = filterNames(hcm);
  assert.equal(connectionManagers(bootstrap).length, 1);
  assert.ok(names.indexOf(EXT_PROC_FILTER) >= 0, `filters: ${names.join(', ')}`);
  assert.equal(names.at(-1), ROUTER_FILTER);
  assert.ok(names.indexOf(EXT_PROC_FILTER) < names.indexOf(ROUTER_FILTER));
});

test('envoy.yaml ext_proc settings match the rules', () => {
  assert.deepEqual(filterSettingsOf(extProc), EXPECTED_FILTER_SETTINGS);
  assert.equal(extProc.failure_mode_allow, false);
  assert.equal(extProc.allow_mode_override, true);
  assert.deepEqual(extProc.metadata_options.receiving_namespaces.untyped, [METADATA_NAMESPACE, ACCESS_LOG_HINT_NAMESPACE]);
});

test('envoy.yaml ctxproc cluster is gRPC-ready', () => {
  const target = cluster(bootstrap, extProc.grpc_service.envoy_grpc.cluster_name);
  const protocol = target.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
  const thresholds: Json[] = target.circuit_breakers.thresholds;

  assert.ok(protocol.explicit_http_config.http2_protocol_options, 'ext_proc needs HTTP/2 to the server');
  assert.equal(target.health_checks[0].grpc_health_check.service_name, EXT_PROC_SERVICE_NAME);
  assert.ok(target.upstream_connection_options.tcp_keepalive.keepalive_time > 0);
  assert.ok(thresholds.some((threshold) => threshold.max_requests > 1024), 'max_requests must exceed Envoy default of 1024 streams');
});

test('envoy.yaml enables the graceful close guard', () => {
  const layers: Json[] = bootstrap.layered_runtime.layers;
  const values = layers.map((layer) => layer.static_layer?.[GRACEFUL_CLOSE_GUARD]);
  assert.ok(values.includes(true), `${GRACEFUL_CLOSE_GUARD} must be true in a static layer`);
});

test('envoy.yaml health check finds ctxproc serving', async () => {
  const target = cluster(bootstrap, extProc.grpc_service.envoy_grpc.cluster_name);
  const serviceName: string = target.health_checks[0].grpc_health_check.service_name;
  assert.equal(await checkHealth(ctxproc.target, serviceName), 'SERVING');
});

test('envoy.yaml settings drive a real transaction', async () => {
  const client = new EnvoyClient({
    target: ctxproc.target,
    processingMode: extProc.processing_mode as ProcessingModeConfig,
    messageTimeoutMs: Number.parseFloat(extProc.message_timeout) * 1000,
    failureModeAllow: extProc.failure_mode_allow,
    allowModeOverride: extProc.allow_mode_override,
    receivingNamespaces: extProc.metadata_options.receiving_namespaces.untyped,
    closeMode: 'graceful',
    requestAttributes: attributeValues(extProc.request_attributes),
  });

  try {
    const result = await client.run(
      { method: 'GET', path: '/missing', scheme: 'http', authority: 'shop.example', headers: [['user-agent', 'curl/8.5.0']] },
      () => ({ status: 404, headers: [['content-type', 'text/plain']] }),
    );
    await waitFor(() => ctxproc.events.length === 1);

    assert.equal(result.downstreamResponse.status, 404);
    assert.equal(result.localReply, false);
    assert.deepEqual(result.protocolErrors, []);
    assert.equal(result.streamEnd.how, 'half_close');
    assert.equal(result.streamEnd.status?.code, 0);
    assert.equal((result.dynamicMetadata[METADATA_NAMESPACE] as Json).logged, true);
    assert.equal(ctxproc.events[0]!.network.client.ip, '203.0.113.7');
  } finally {
    client.close();
  }
});

test('envoy.yaml access log prints every ctxproc metadata key', async () => {
  const client = new EnvoyClient({ target: ctxproc.target, receivingNamespaces: [METADATA_NAMESPACE] });
  let written: string[];
  try {
    const result = await client.run(
      { method: 'GET', path: '/', scheme: 'http', authority: 'shop.example', headers: [] },
      () => ({ status: 500, headers: [] }),
    );
    written = Object.keys(result.dynamicMetadata[METADATA_NAMESPACE] as Json).map((key) => `${METADATA_NAMESPACE}:${key}`);
  } finally {
    client.close();
  }

  const printed = new Set(((hcm.access_log ?? []) as Json[]).flatMap((log) => dynamicMetadataFields(log.typed_config.log_format)));
  assert.ok(written.length > 0, 'ctxproc returned no dynamic metadata');
  // Every key ctxproc writes, including those a given request lacks (blocked_by), and nothing else.
  const reserved = RESERVED_METADATA_KEYS.map((key) => `${METADATA_NAMESPACE}:${key}`);
  assert.deepEqual([...printed].sort(), [...reserved].sort());
  for (const key of written) {
    assert.ok(printed.has(key), `the access log does not print ${key}`);
  }
});

/** Returns a plausible value for each Envoy attribute name, as Envoy would send it. */
function attributeValues(names: string[]): Record<string, string | number | boolean> {
  const samples: Record<string, string | number | boolean> = {
    'source.address': '203.0.113.7:52100',
    'source.port': 52100,
    'destination.address': '10.0.0.5:10000',
    'destination.port': 10000,
    'request.protocol': 'HTTP/1.1',
    'connection.mtls': false,
    'connection.requested_server_name': 'shop.example',
    'connection.tls_version': 'TLSv1.3',
  };
  const values: Record<string, string | number | boolean> = {};
  for (const name of names) {
    const value = samples[name];
    assert.ok(value !== undefined, `no sample value for attribute ${name}; add one to attributeValues`);
    values[name] = value;
  }
  return values;
}
