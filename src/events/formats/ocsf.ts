// The `ocsf` format: an OCSF 1.3.0 HTTP Activity event (class 4002, category
// 4, Network Activity) with the Security Control profile, mapped from the
// Datadog-shaped security event. Fields with no OCSF attribute go under
// `unmapped.ctxproc`. Attribute names and enum values follow the ocsf-schema
// repository's events/network/http_activity.json and its profiles.
import type { SecurityEvent } from '../security-event.js';

export const OCSF_VERSION = '1.3.0';

/** OCSF HTTP Activity activity_id by request method; methods not listed are 99 (Other). */
const ACTIVITY_IDS: Record<string, number> = {
  CONNECT: 1, DELETE: 2, GET: 3, HEAD: 4, OPTIONS: 5, POST: 6, PUT: 7, TRACE: 8, PATCH: 9,
};

/** OCSF severity_id: 1 Informational, 3 Medium, 4 High. */
const SEVERITIES: Record<SecurityEvent['status'], [number, string]> = {
  info: [1, 'Informational'],
  warn: [3, 'Medium'],
  error: [4, 'High'],
};

export type OcsfEvent = Record<string, unknown> & {
  activity_id: number;
  category_uid: 4;
  class_uid: 4002;
  type_uid: number;
  severity_id: number;
  time: number;
  metadata: { version: string; product: { name: string; vendor_name: string }; uid: string; profiles: string[] };
};

/** Maps one security event to an OCSF HTTP Activity event. */
export function toOcsf(event: SecurityEvent): OcsfEvent {
  const method = event.http?.method?.toUpperCase();
  const activityId = method === undefined ? 0 : ACTIVITY_IDS[method] ?? 99;
  const [severityId, severity] = SEVERITIES[event.status];
  const blocked = event.ctxproc.action === 'blocked';

  const ocsf: OcsfEvent = {
    activity_id: activityId,
    activity_name: activityName(activityId, method),
    category_uid: 4,
    category_name: 'Network Activity',
    class_uid: 4002,
    class_name: 'HTTP Activity',
    type_uid: 4002 * 100 + activityId,
    severity_id: severityId,
    severity,
    time: Date.parse(event.timestamp),
    message: event.message,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'ctxproc', vendor_name: 'ctxproc' },
      uid: event.ctxproc.transaction_id,
      profiles: ['security_control'],
    },
    action_id: blocked ? 2 : 1,
    action: blocked ? 'Denied' : 'Allowed',
    disposition_id: blocked ? 2 : 1,
    disposition: blocked ? 'Blocked' : 'Allowed',
  };

  placeOptional(ocsf, 'status_id', outcomeStatus(event));
  placeOptional(ocsf, 'duration', event.duration === undefined ? undefined : Math.round(event.duration / 1e6));
  placeOptional(ocsf, 'http_request', httpRequest(event));
  placeOptional(ocsf, 'http_response', event.http?.status_code === undefined ? undefined : { code: event.http.status_code });
  placeOptional(ocsf, 'src_endpoint', endpoint(event.network?.client));
  placeOptional(ocsf, 'dst_endpoint', endpoint(event.network?.destination) ?? hostEndpoint(event));
  placeOptional(ocsf, 'firewall_rule', firewallRule(event));
  ocsf.unmapped = { ctxproc: unmappedFields(event) };
  return ocsf;
}

function activityName(activityId: number, method: string | undefined): string {
  if (activityId === 0 || method === undefined) {
    return 'Unknown';
  }
  if (activityId === 99) {
    return 'Other';
  }
  return method.charAt(0) + method.slice(1).toLowerCase();
}

function placeOptional(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) {
    target[key] = value;
  }
}

/** OCSF status_id: 1 Success, 2 Failure. */
function outcomeStatus(event: SecurityEvent): number | undefined {
  if (event.evt.outcome === undefined) {
    return undefined;
  }
  return event.evt.outcome === 'success' ? 1 : 2;
}

function httpRequest(event: SecurityEvent): Record<string, unknown> | undefined {
  const http = event.http;
  if (http === undefined) {
    return undefined;
  }
  const request: Record<string, unknown> = {};
  placeOptional(request, 'http_method', http.method);
  placeOptional(request, 'url', url(event));
  placeOptional(request, 'user_agent', http.useragent);
  placeOptional(request, 'referrer', http.referer);
  placeOptional(request, 'uid', http.request_id);
  placeOptional(request, 'version', http.version);
  placeOptional(request, 'http_headers', headerList(event.ctxproc.headers?.request));
  return Object.keys(request).length > 0 ? request : undefined;
}

function url(event: SecurityEvent): Record<string, unknown> | undefined {
  const details = event.http?.url_details;
  const full = event.http?.url;
  if (details === undefined && full === undefined) {
    return undefined;
  }
  const result: Record<string, unknown> = {};
  placeOptional(result, 'url_string', full);
  placeOptional(result, 'hostname', details?.host);
  placeOptional(result, 'port', details?.port);
  placeOptional(result, 'path', details?.path);
  placeOptional(result, 'scheme', details?.scheme);
  const query = full?.includes('?') ? full.slice(full.indexOf('?') + 1) : undefined;
  placeOptional(result, 'query_string', query);
  return result;
}

function headerList(headers: Record<string, string | string[]> | undefined): Array<{ name: string; value: string }> | undefined {
  if (headers === undefined) {
    return undefined;
  }
  return Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((item) => ({ name, value: item })));
}

function endpoint(address: { ip: string; port?: number } | undefined): Record<string, unknown> | undefined {
  if (address === undefined) {
    return undefined;
  }
  return address.port === undefined ? { ip: address.ip } : { ip: address.ip, port: address.port };
}

/** OCSF needs src_endpoint or dst_endpoint; without addresses from Envoy, the request's host is the destination. */
function hostEndpoint(event: SecurityEvent): Record<string, unknown> | undefined {
  const host = event.http?.url_details?.host;
  return host === undefined ? undefined : { hostname: host };
}

/** Returns the rule that decided: the blocking rule, else the first rule that requested the event. */
function firewallRule(event: SecurityEvent): Record<string, unknown> | undefined {
  const uid = event.ctxproc.blocked_by ?? event.ctxproc.rules.logged_by[0];
  if (uid === undefined) {
    return undefined;
  }
  return { uid, name: uid, version: event.ctxproc.rules_version };
}

function unmappedFields(event: SecurityEvent): Record<string, unknown> {
  const { headers: _headers, ...rest } = event.ctxproc;
  const unmapped: Record<string, unknown> = { ...rest };
  placeOptional(unmapped, 'response_headers', event.ctxproc.headers?.response);
  placeOptional(unmapped, 'dd', event.dd);
  placeOptional(unmapped, 'service', event.service);
  return unmapped;
}
