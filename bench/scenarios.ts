// The benchmark scenarios. Each ctxproc scenario names the baseline scenario
// that carries the same traffic, and every ratio compares the two within one
// run. The names are the keys of the JSON report and are listed in
// docs/benchmarks.md.
import type { TrafficShape } from './driver/traffic.js';
import type { RuleSetSpec } from './rule-sets.js';
import type { ReferenceServer } from './servers.js';

/**
 * How the driver loads the server. `throughput` runs closed-loop windows at
 * maximum rate, then an open loop at half that rate for latency. `resets`
 * keeps transactions in flight and resets each stream after its first reply,
 * as Envoy does when the client goes away before the response. `hold` opens
 * many transactions at once and keeps them waiting for the upstream.
 */
export type LoadKind = 'throughput' | 'resets' | 'hold';

export interface Scenario {
  name: string;
  server: 'ctxproc' | ReferenceServer;
  /** Flags for `ctxproc serve`; ctxproc scenarios only. */
  serveArgs?: string[];
  /** Rules besides the default ones; ctxproc scenarios only. */
  rules?: RuleSetSpec;
  shape: TrafficShape;
  load: LoadKind;
  /** The baseline scenario with the same traffic, which ratios divide by. */
  baseline?: string;
  /** Transactions in flight in closed loops, or held open in `hold`. */
  concurrency: number;
}

/** In-flight transactions of the throughput scenarios: a busy Envoy's few connections, well past one core's saturation. */
const IN_FLIGHT = 64;

/** ctxproc on the grpc-js transport; the scenarios without a transport in their name run on the default, http2. */
const GRPC_JS = ['--transport', 'grpc-js'];

export const SCENARIOS: Scenario[] = [
  { name: 'baseline_headers', server: 'baseline', shape: 'headers', load: 'throughput', concurrency: IN_FLIGHT },
  { name: 'floor_headers', server: 'http2_floor', shape: 'headers', load: 'throughput', baseline: 'baseline_headers', concurrency: IN_FLIGHT },
  { name: 'headers_default', server: 'ctxproc', rules: { generated: 0 }, shape: 'headers', load: 'throughput', baseline: 'baseline_headers', concurrency: IN_FLIGHT },
  { name: 'headers_grpc_js', server: 'ctxproc', serveArgs: GRPC_JS, rules: { generated: 0 }, shape: 'headers', load: 'throughput', baseline: 'baseline_headers', concurrency: IN_FLIGHT },
  { name: 'rules_10', server: 'ctxproc', rules: { generated: 10 }, shape: 'headers', load: 'throughput', baseline: 'baseline_headers', concurrency: IN_FLIGHT },
  { name: 'rules_100', server: 'ctxproc', rules: { generated: 100 }, shape: 'headers', load: 'throughput', baseline: 'baseline_headers', concurrency: IN_FLIGHT },
  { name: 'rules_1000', server: 'ctxproc', rules: { generated: 1000 }, shape: 'headers', load: 'throughput', baseline: 'baseline_headers', concurrency: IN_FLIGHT },
  { name: 'baseline_body', server: 'baseline', shape: 'buffered_body', load: 'throughput', concurrency: IN_FLIGHT },
  { name: 'body_16k', server: 'ctxproc', rules: { body: true }, shape: 'buffered_body', load: 'throughput', baseline: 'baseline_body', concurrency: IN_FLIGHT },
  { name: 'baseline_resets', server: 'baseline', shape: 'headers', load: 'resets', concurrency: 500 },
  { name: 'resets_500', server: 'ctxproc', rules: { generated: 0 }, shape: 'headers', load: 'resets', baseline: 'baseline_resets', concurrency: 500 },
  { name: 'baseline_hold', server: 'baseline', shape: 'headers', load: 'hold', concurrency: 10_000 },
  { name: 'floor_hold', server: 'http2_floor', shape: 'headers', load: 'hold', baseline: 'baseline_hold', concurrency: 10_000 },
  { name: 'hold_10k', server: 'ctxproc', rules: { generated: 0 }, shape: 'headers', load: 'hold', baseline: 'baseline_hold', concurrency: 10_000 },
  { name: 'hold_10k_grpc_js', server: 'ctxproc', serveArgs: GRPC_JS, rules: { generated: 0 }, shape: 'headers', load: 'hold', baseline: 'baseline_hold', concurrency: 10_000 },
];

/** Returns the scenarios named in `names` and the baselines they compare with, in table order. */
export function selectScenarios(names: string[] | null): Scenario[] {
  if (!names) {
    return SCENARIOS;
  }
  const unknown = names.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario ${unknown.join(', ')}; choose from ${SCENARIOS.map((scenario) => scenario.name).join(', ')}`);
  }
  const wanted = new Set(names);
  for (const scenario of SCENARIOS) {
    if (wanted.has(scenario.name) && scenario.baseline) {
      wanted.add(scenario.baseline);
    }
  }
  return SCENARIOS.filter((scenario) => wanted.has(scenario.name));
}
