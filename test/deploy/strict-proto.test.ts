// Cases of the strict Envoy configuration check on small messages, each with
// the one problem it must report, and the JSON forms it must accept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadEnvoyApi } from '../helpers/envoy-api/load.js';
import { checkMessage, formatProblems } from '../helpers/envoy-api/strict-proto.js';

const api = loadEnvoyApi();
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const EXT_PROC = 'envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor';
const EXT_PROC_URL = `type.googleapis.com/${EXT_PROC}`;

const GRPC = { envoy_grpc: { cluster_name: 'ctxproc' } };

test('strict check accepts proto3 JSON forms', () => {
  const accepted: Array<[string, unknown]> = [
    [EXT_PROC, { grpc_service: GRPC, messageTimeout: '0.25s', request_attributes: ['source.address'] }],
    [EXT_PROC, { grpc_service: GRPC, processing_mode: { request_body_mode: 2 } }],
    [CLUSTER, { name: 'a', per_connection_buffer_limit_bytes: '32768', metadata: { filter_metadata: { x: { any: [1, 'two'] } } } }],
    [CLUSTER, { name: 'a', typed_extension_protocol_options: { p: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1s' } } }],
  ];

  for (const [type, value] of accepted) {
    const problems = checkMessage(api, type, value);
    assert.deepEqual(problems, [], `${JSON.stringify(value)}: ${formatProblems(problems)}`);
  }
});

test('strict check reports each mistake', () => {
  const cases: Array<{ type: string; value: unknown; path: string; reason: RegExp }> = [
    { type: EXT_PROC, value: { grpc_service: GRPC, failure_mode_alow: true }, path: '$.failure_mode_alow', reason: /did you mean failure_mode_allow/ },
    { type: EXT_PROC, value: { grpc_service: GRPC, message_timeout: 200 }, path: '$.message_timeout', reason: /expected a duration/ },
    { type: EXT_PROC, value: { grpc_service: GRPC, message_timeout: '200ms' }, path: '$.message_timeout', reason: /expected a duration/ },
    { type: EXT_PROC, value: { grpc_service: GRPC, request_attributes: 'source.address' }, path: '$.request_attributes', reason: /expected a list/ },
    { type: EXT_PROC, value: { grpc_service: GRPC, observability_mode: 1 }, path: '$.observability_mode', reason: /expected true or false/ },
    { type: EXT_PROC, value: { grpc_service: GRPC, stat_prefix: null }, path: '$.stat_prefix', reason: /null is not a value/ },
    { type: EXT_PROC, value: { grpc_service: GRPC, stat_prefix: 'a', statPrefix: 'b' }, path: '$.statPrefix', reason: /set twice/ },
    { type: EXT_PROC, value: {}, path: '$', reason: /required field grpc_service/ },
    { type: EXT_PROC, value: { grpc_service: {} }, path: '$.grpc_service', reason: /needs one of envoy_grpc, google_grpc/ },
    {
      type: EXT_PROC,
      value: { grpc_service: { envoy_grpc: { cluster_name: 'a' }, google_grpc: { target_uri: 'b', stat_prefix: 'c' } } },
      path: '$.grpc_service.google_grpc',
      reason: /members of oneof target_specifier/,
    },
    { type: CLUSTER, value: { name: 'a', connect_timeout: '1s', http2_protocol_options: {} }, path: '$.http2_protocol_options', reason: /deprecated/ },
    { type: CLUSTER, value: { name: 'a', type: 'STRICT_DNZ' }, path: '$.type', reason: /not a value of enum DiscoveryType/ },
    { type: CLUSTER, value: { name: 'a', per_connection_buffer_limit_bytes: 1.5 }, path: '$.per_connection_buffer_limit_bytes', reason: /expected an integer/ },
    {
      type: CLUSTER,
      value: { name: 'a', typed_extension_protocol_options: { p: { '@type': 'type.googleapis.com/envoy.Nope' } } },
      path: '$.typed_extension_protocol_options.p["@type"]',
      reason: /not a loaded message type/,
    },
    {
      type: CLUSTER,
      value: { name: 'a', typed_extension_protocol_options: { p: { '@type': EXT_PROC_URL, grpc_service: GRPC, processing_mode: { request_body_mode: 'BUFFER' } } } },
      path: '$.typed_extension_protocol_options.p.processing_mode.request_body_mode',
      reason: /not a value of enum BodySendMode/,
    },
    {
      type: CLUSTER,
      value: { name: 'a', typed_extension_protocol_options: { p: { '@type': 'type.googleapis.com/google.protobuf.Duration', seconds: 1 } } },
      path: '$.typed_extension_protocol_options.p.seconds',
      reason: /only "@type" and "value"/,
    },
  ];

  for (const { type, value, path, reason } of cases) {
    const problems = checkMessage(api, type, value);
    const label = JSON.stringify(value);
    assert.equal(problems.length >= 1, true, `${label}: no problem reported`);
    const atPath = problems.find((problem) => problem.path === path);
    assert.ok(atPath, `${label}: expected a problem at ${path}, found ${formatProblems(problems)}`);
    assert.match(atPath.message, reason);
  }
});
