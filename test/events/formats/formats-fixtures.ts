// Security events for the format tests: an allowed GET with a 404 and a
// POST blocked with 403, both from the real event builder.
import { buildSecurityEvent } from '../../../src/events/builder.js';
import type { SecurityEvent } from '../../../src/events/security-event.js';
import { body, logDecision, makeExchange, makeRecord, makeRequest, makeResponse } from '../fixtures.js';

export function allowedEvent(): SecurityEvent {
  const request = makeRequest('/orders/9?page=2', [['user-agent', 'curl/8.5'], ['x-request-id', 'req-1'], ['referer', 'https://shop.example/']]);
  const record = makeRecord(logDecision({ rules: ['log-unsuccessful'], includeHeaders: ['user-agent'] }));
  record.matched.push('log-unsuccessful');
  record.tags = { team: 'payments' };
  return buildSecurityEvent(makeExchange(request, makeResponse(404)), record, {
    rulesVersion: 'sha256:abc',
    env: 'prod',
    outcome: { blocked: false, streamEnd: 'completed' },
  });
}

export function blockedEvent(): SecurityEvent {
  const request = makeRequest('/login', [['content-type', 'text/plain']], 'POST');
  request.body = body('user=alice');
  const record = makeRecord(logDecision({ rules: ['block-admin'], includeRequestBody: 100 }));
  record.matched.push('block-admin');
  record.block = { status: 403, headers: [], body: 'blocked', rule: 'block-admin' };
  return buildSecurityEvent(makeExchange(request, null), record, {
    rulesVersion: 'sha256:abc',
    outcome: { blocked: true, streamEnd: 'completed' },
  });
}
