// The `ecs` format: an Elastic Common Schema 8.11 document mapped from the
// Datadog-shaped security event. Elastic Security needs @timestamp,
// ecs.version, event.kind, event.category and event.type on every document;
// fields with no ECS counterpart stay under the custom `ctxproc` field set.
import type { BodyExcerpt, SecurityEvent } from '../security-event.js';

export const ECS_VERSION = '8.11.0';

/** ECS event.severity is numeric and chosen by the source; these follow syslog's order, lower is less severe. */
const SEVERITIES: Record<SecurityEvent['status'], number> = { info: 1, warn: 2, error: 3 };

export type EcsEvent = Record<string, unknown> & {
  '@timestamp': string;
  ecs: { version: string };
  event: { kind: 'event' | 'alert'; category: string[]; type: string[] } & Record<string, unknown>;
};

/** Maps one security event to an ECS document. */
export function toEcs(event: SecurityEvent): EcsEvent {
  const blocked = event.ctxproc.action === 'blocked';

  const ecs: EcsEvent = {
    '@timestamp': event.timestamp,
    ecs: { version: ECS_VERSION },
    message: event.message,
    event: eventFields(event, blocked),
    observer: { vendor: 'ctxproc', product: 'ctxproc', type: 'proxy' },
    service: serviceFields(event),
  };

  placeOptional(ecs, 'http', httpFields(event));
  placeOptional(ecs, 'url', urlFields(event));
  placeOptional(ecs, 'source', event.network?.client === undefined ? undefined : { ...event.network.client, address: event.network.client.ip });
  placeOptional(ecs, 'destination', event.network?.destination === undefined ? undefined : { ...event.network.destination, address: event.network.destination.ip });
  placeOptional(ecs, 'user_agent', event.http?.useragent === undefined ? undefined : { original: event.http.useragent });
  placeOptional(ecs, 'rule', ruleFields(event));
  placeOptional(ecs, 'labels', event.ctxproc.tags);
  placeOptional(ecs, 'trace', event.dd?.trace_id === undefined ? undefined : { id: event.dd.trace_id });
  placeOptional(ecs, 'span', event.dd?.span_id === undefined ? undefined : { id: event.dd.span_id });
  ecs.ctxproc = customFields(event);
  return ecs;
}

function placeOptional(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) {
    target[key] = value;
  }
}

function eventFields(event: SecurityEvent, blocked: boolean): EcsEvent['event'] {
  const fields: EcsEvent['event'] = {
    kind: blocked ? 'alert' : 'event',
    category: blocked ? ['web', 'intrusion_detection'] : ['web'],
    type: ['access', blocked ? 'denied' : 'allowed'],
    action: event.ctxproc.action,
    outcome: event.evt.outcome ?? 'unknown',
    id: event.ctxproc.transaction_id,
    dataset: 'ctxproc.security',
    module: 'ctxproc',
    severity: SEVERITIES[event.status],
    start: event.timestamp,
  };
  // ECS event.duration is in nanoseconds, as Datadog's duration is.
  placeOptional(fields, 'duration', event.duration);
  return fields;
}

function serviceFields(event: SecurityEvent): Record<string, unknown> {
  const service: Record<string, unknown> = { name: event.service };
  placeOptional(service, 'environment', event.dd?.env);
  placeOptional(service, 'version', event.dd?.version);
  return service;
}

function httpFields(event: SecurityEvent): Record<string, unknown> | undefined {
  const http = event.http;
  if (http === undefined) {
    return undefined;
  }
  const request: Record<string, unknown> = {};
  placeOptional(request, 'method', http.method);
  placeOptional(request, 'id', http.request_id);
  placeOptional(request, 'referrer', http.referer);
  placeOptional(request, 'body', bodyFields(event.ctxproc.body?.request));

  const response: Record<string, unknown> = {};
  placeOptional(response, 'status_code', http.status_code);
  placeOptional(response, 'body', bodyFields(event.ctxproc.body?.response));

  const fields: Record<string, unknown> = { request };
  if (Object.keys(response).length > 0) {
    fields.response = response;
  }
  placeOptional(fields, 'version', http.version);
  return fields;
}

function bodyFields(body: BodyExcerpt | undefined): Record<string, unknown> | undefined {
  if (body === undefined) {
    return undefined;
  }
  const fields: Record<string, unknown> = { bytes: body.size };
  placeOptional(fields, 'content', body.content);
  return fields;
}

function urlFields(event: SecurityEvent): Record<string, unknown> | undefined {
  const full = event.http?.url;
  const details = event.http?.url_details;
  if (full === undefined && details === undefined) {
    return undefined;
  }
  const fields: Record<string, unknown> = {};
  placeOptional(fields, 'original', full);
  placeOptional(fields, 'full', full);
  placeOptional(fields, 'domain', details?.host);
  placeOptional(fields, 'port', details?.port);
  placeOptional(fields, 'path', details?.path);
  placeOptional(fields, 'scheme', details?.scheme);
  placeOptional(fields, 'query', full?.includes('?') ? full.slice(full.indexOf('?') + 1) : undefined);
  return fields;
}

/** Returns the rule that decided: the blocking rule, else the first rule that requested the event. */
function ruleFields(event: SecurityEvent): Record<string, unknown> | undefined {
  const id = event.ctxproc.blocked_by ?? event.ctxproc.rules.logged_by[0];
  if (id === undefined) {
    return undefined;
  }
  return { id, name: id, ruleset: event.ctxproc.rules_version };
}

function customFields(event: SecurityEvent): Record<string, unknown> {
  const { body: _body, ...rest } = event.ctxproc;
  return { ...rest };
}
