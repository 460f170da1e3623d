// Prometheus metrics, named once here. The admin server exposes them on
// /metrics. Label children for fixed label sets are created at start so the
// per-message path does no label lookups.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { Phase, PHASE_NAMES } from '../model/phase.js';
import { interpretedExpressionCount } from '../rules/cel.js';
import { incompleteInspectionCounts } from '../detection/incomplete.js';
import { DEFAULT_EVENT_LOOP_RESOLUTION_MS } from './event-loop.js';

/**
 * Way a stream ended. Envoy's reset and its graceful half-close are both
 * `completed`. `shutdown_timeout` is a stream that was still open when the
 * shutdown grace period ended, so ctxproc closed it.
 */
export type StreamEnd = 'completed' | 'protocol_error' | 'internal_error' | 'idle_timeout' | 'shutdown_timeout';

export class Metrics {
  readonly registry = new Registry();

  readonly streamsActive = new Gauge({ name: 'ctxproc_streams_active', help: 'ext_proc streams open now', registers: [this.registry] });

  readonly streamsTotal = new Counter({
    name: 'ctxproc_streams_total',
    help: 'ext_proc streams ended, by how they ended: completed (Envoy\'s reset or half-close), protocol_error, internal_error, idle_timeout (--stream-idle-timeout), shutdown_timeout (still open when --shutdown-grace ended, so ctxproc closed it)',
    labelNames: ['end'],
    registers: [this.registry],
  });

  readonly streamsRejected = new Counter({
    name: 'ctxproc_streams_rejected_total',
    help: 'ext_proc streams rejected at once with RESOURCE_EXHAUSTED (CTXPROC_STREAMS_EXHAUSTED), by limit: largest_connection (at least --max-open-streams were open and the connection held the most) or hard_limit (twice --max-open-streams were open)',
    labelNames: ['limit'],
    registers: [this.registry],
  });

  readonly transportRejections = new Counter({
    name: 'ctxproc_transport_rejections_total',
    help: 'requests the transport answered before any ext_proc stream began, by reason: unsupported_request (not a gRPC POST on http2; a content type other than application/grpc on grpc-js), unknown_method, reset_limit (a connection Node closed because it reset more streams than --reset-burst and --reset-rate allow), connection_error (not HTTP/2, or a broken connection)',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  readonly streamsPaused = new Gauge({
    name: 'ctxproc_streams_paused',
    help: 'ext_proc streams whose messages ctxproc is not reading now because the client is not reading their replies (HTTP/2 flow control)',
    registers: [this.registry],
  });

  /** Read at each scrape, so the per-reply path updates no metric. */
  private unsentReplySource: () => number = () => 0;

  readonly unsentReplyBytes = new Gauge({
    name: 'ctxproc_unsent_reply_bytes',
    help: 'reply bytes handed to the transport that have not yet left for the client, summed over open streams; --max-unsent-reply-bytes bounds it',
    registers: [this.registry],
    collect: () => {
      this.unsentReplyBytes.set(this.unsentReplySource());
    },
  });

  readonly replyBudgetRejections = new Counter({
    name: 'ctxproc_reply_budget_rejections_total',
    help: 'ext_proc streams rejected at once with RESOURCE_EXHAUSTED because the unsent reply bytes were over --max-unsent-reply-bytes',
    registers: [this.registry],
  });

  readonly phaseMessages = new Counter({
    name: 'ctxproc_phase_messages_total',
    help: 'ProcessingRequest messages received, by phase',
    labelNames: ['phase'],
    registers: [this.registry],
  });

  readonly protocolErrors = new Counter({
    name: 'ctxproc_protocol_errors_total',
    help: 'streams ended because a message broke the ext_proc protocol, by error code',
    labelNames: ['code'],
    registers: [this.registry],
  });

  readonly ruleHits = new Counter({
    name: 'ctxproc_rule_hits_total',
    help: 'rules whose condition matched, by rule id',
    labelNames: ['rule'],
    registers: [this.registry],
  });

  readonly ruleErrors = new Counter({
    name: 'ctxproc_rule_errors_total',
    help: 'rule evaluations that failed (treated as no match), by rule id',
    labelNames: ['rule'],
    registers: [this.registry],
  });

  readonly blocks = new Counter({
    name: 'ctxproc_blocks_total',
    help: 'transactions blocked with an immediate response, by rule id',
    labelNames: ['rule'],
    registers: [this.registry],
  });

  readonly eventsEmitted = new Counter({
    name: 'ctxproc_events_emitted_total',
    help: 'security events written',
    registers: [this.registry],
  });

  readonly eventFailures = new Counter({
    name: 'ctxproc_event_failures_total',
    help: 'security events that could not be built (each is logged) or written (a failing stdout is reported on stderr)',
    registers: [this.registry],
  });

  readonly bodyTruncations = new Counter({
    name: 'ctxproc_body_truncations_total',
    help: 'bodies longer than the body limit, kept only up to it',
    labelNames: ['direction'],
    registers: [this.registry],
  });

  readonly bodyDecodes = new Counter({
    name: 'ctxproc_body_decodes_total',
    help: 'bodies with a content-encoding that a rule, detector or event read, by direction, codings (other when any is unknown) and result: decoded, truncated (cut at the body limit), failed or unsupported (read encoded)',
    labelNames: ['direction', 'encoding', 'result'],
    registers: [this.registry],
  });

  readonly bodyDecodeSeconds = new Counter({
    name: 'ctxproc_body_decode_seconds_total',
    help: 'seconds the event loop spent decoding content-encoded bodies, by direction and codings; a rise with few decodes points at compression bombs',
    labelNames: ['direction', 'encoding'],
    registers: [this.registry],
  });

  readonly detectionIncomplete = new Counter({
    name: 'ctxproc_detection_incomplete_total',
    help: 'requests whose values detection did not all read, by reason: time_budget (--detection-budget spent) or input_limit (512 values or 256 KiB of values); each is also the detection protocol.inspection_incomplete',
    labelNames: ['reason'],
    registers: [this.registry],
    // Counted where detection runs, which has no Metrics instance, and read here at each scrape.
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(incompleteInspectionCounts())) {
        this.labels(reason).inc(count);
      }
    },
  });

  readonly headerSkips = new Counter({
    name: 'ctxproc_header_skips_total',
    help: 'header or trailer messages with more entries than --max-headers, whose extra entries rules and events did not see',
    labelNames: ['section'],
    registers: [this.registry],
  });

  readonly unappliedActions = new Counter({
    name: 'ctxproc_unapplied_actions_total',
    help: 'header changes or blocks decided too late in the transaction to reach Envoy',
    registers: [this.registry],
  });

  readonly ruleReloads = new Counter({
    name: 'ctxproc_rule_reloads_total',
    help: 'changed rule sets picked up while serving, by result: applied; rejected because they did not load or their rule tests failed; or failed when the check itself failed (such as its parsing worker), which the next check retries',
    labelNames: ['result'],
    registers: [this.registry],
  });

  readonly ruleSetLoadedTime = new Gauge({
    name: 'ctxproc_rule_set_loaded_timestamp_seconds',
    help: 'Unix time at which the active rule set was loaded',
    registers: [this.registry],
  });

  readonly interpretedExpressions = new Gauge({
    name: 'ctxproc_interpreted_expressions',
    help: 'CEL expressions loaded since start that run on the cel-js interpreter, because the compiler does not translate one of their constructs',
    registers: [this.registry],
    collect() {
      this.set(interpretedExpressionCount());
    },
  });

  readonly sinkAccepted = new Counter({
    name: 'ctxproc_sink_events_accepted_total',
    help: 'security events handed to a sink for delivery, by sink name',
    labelNames: ['sink'],
    registers: [this.registry],
  });

  readonly sinkSent = new Counter({
    name: 'ctxproc_sink_events_sent_total',
    help: 'security events the sink\'s destination took (a 2xx reply from an HTTP intake, a write to a stream), by sink name',
    labelNames: ['sink'],
    registers: [this.registry],
  });

  readonly sinkRetried = new Counter({
    name: 'ctxproc_sink_events_retried_total',
    help: 'security events sent again after a retryable failure (408, 429, 5xx, network error), counted once per retry, by sink name',
    labelNames: ['sink'],
    registers: [this.registry],
  });

  readonly sinkSpooled = new Counter({
    name: 'ctxproc_sink_events_spooled_total',
    help: 'security events written to the sink\'s on-disk spool because its queue was full or the service stopped, by sink name',
    labelNames: ['sink'],
    registers: [this.registry],
  });

  readonly sinkDropped = new Counter({
    name: 'ctxproc_sink_events_dropped_total',
    help: 'security events a sink gave up on, by sink name and reason (queue_full, spool_full, rejected, too_large, shutdown, write_failed)',
    labelNames: ['sink', 'reason'],
    registers: [this.registry],
  });

  readonly sinkQueueDepth = new Gauge({
    name: 'ctxproc_sink_queue_depth',
    help: 'security events waiting in a sink\'s memory queue, by sink name',
    labelNames: ['sink'],
    registers: [this.registry],
  });

  readonly sinkSpoolDepth = new Gauge({
    name: 'ctxproc_sink_spool_depth',
    help: 'security events waiting in a sink\'s on-disk spool, by sink name',
    labelNames: ['sink'],
    registers: [this.registry],
  });

  private readonly phaseCounters: Array<ReturnType<Counter['labels']>>;

  private readonly endCounters: Record<StreamEnd, ReturnType<Counter['labels']>>;

  /** The rule_hits child of each rule id seen, because labels() hashes its arguments on every call. */
  private readonly ruleHitCounters = new Map<string, ReturnType<Counter['labels']>>();

  constructor(options: { processMetrics?: boolean; eventLoopResolutionMs?: number } = {}) {
    if (options.processMetrics !== false) {
      const eventLoopMonitoringPrecision = options.eventLoopResolutionMs ?? DEFAULT_EVENT_LOOP_RESOLUTION_MS;
      collectDefaultMetrics({ register: this.registry, prefix: 'ctxproc_', eventLoopMonitoringPrecision });
    }
    this.phaseCounters = Object.values(Phase)
      .filter((value): value is Phase => typeof value === 'number')
      .map((phase) => this.phaseMessages.labels(PHASE_NAMES[phase]));
    this.endCounters = {
      completed: this.streamsTotal.labels('completed'),
      protocol_error: this.streamsTotal.labels('protocol_error'),
      internal_error: this.streamsTotal.labels('internal_error'),
      idle_timeout: this.streamsTotal.labels('idle_timeout'),
      shutdown_timeout: this.streamsTotal.labels('shutdown_timeout'),
    };
  }

  /** Sets the function that ctxproc_unsent_reply_bytes reads at each scrape. */
  watchUnsentReplies(read: () => number): void {
    this.unsentReplySource = read;
  }

  countPhase(phase: Phase): void {
    this.phaseCounters[phase]?.inc();
  }

  /** Counts one match of the rule; called for every matched rule of every transaction. */
  countRuleHit(rule: string): void {
    let counter = this.ruleHitCounters.get(rule);
    if (counter === undefined) {
      counter = this.ruleHits.labels(rule);
      this.ruleHitCounters.set(rule, counter);
    }
    counter.inc();
  }

  countStreamEnd(end: StreamEnd): void {
    this.endCounters[end].inc();
    this.streamsActive.dec();
  }
}
