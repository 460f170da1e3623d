// The attributes added for conditions: parsed cookies, JSON and form bodies,
// detections and certificate fields, with the phase each one needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Exchange } from '../../../src/model/exchange.js';
import { Phase } from '../../../src/model/phase.js';
import { newTransactionRecord } from '../../../src/model/record.js';
import { Activation } from '../../../src/rules/activation.js';
import { Metrics } from '../../../src/metrics/metrics.js';
import { ATTRIBUTES } from '../../../src/rules/attributes.js';
import { compileExpression, interpretedExpressionCount } from '../../../src/rules/cel.js';
import { ATTRIBUTE_READERS, HOT_ATTRIBUTES, readHotAttribute } from '../../../src/rules/compiler/attribute-readers.js';
import { makeExchange } from '../builders.js';

function compile(source: string) {
  const result = compileExpression(source, 'any', 'test');
  if (result.expression === null) {
    throw new Error(result.problems.map((problem) => problem.message).join('; '));
  }
  return result.expression;
}

function evaluate(source: string, exchange: Exchange): unknown {
  return compile(source).evaluate(new Activation(exchange, newTransactionRecord()));
}

const FORM = makeExchange(
  { method: 'POST', path: "/login?q=1' OR 1=1--", headers: [['content-type', 'application/x-www-form-urlencoded; charset=utf-8'], ['cookie', 'session=abc; theme=dark; session=later']], body: 'user=bob&token=x%2By&user=eve' },
  { code: 200, headers: [], body: '{"ok":true,"count":3}' },
);
const JSON_REQUEST = makeExchange({ method: 'POST', path: '/api', headers: [['content-type', 'text/plain']], body: '{"user":{"id":7,"roles":["admin"]}}' });

test('cookies parse first value wins', () => {
  assert.equal(evaluate("request.cookies['session']", FORM), 'abc');
  assert.equal(evaluate("request.cookies['theme']", FORM), 'dark');
  assert.equal(evaluate('request.cookies.size()', FORM), 2n);
});

test('cookies empty without header', () => {
  assert.equal(evaluate('request.cookies.size()', JSON_REQUEST), 0n);
});

test('form fields parse url-encoded body', () => {
  assert.equal(evaluate("request.form['user']", FORM), 'bob');
  assert.equal(evaluate("request.form['token']", FORM), 'x+y');
});

test('form absent for other content types', () => {
  assert.equal(evaluate('has(request.form)', JSON_REQUEST), false);
});

test('json parses whatever the content type', () => {
  assert.equal(evaluate('request.json.user.id', JSON_REQUEST), 7);
  assert.equal(evaluate("request.json.user.roles[0] == 'admin'", JSON_REQUEST), true);
  assert.equal(evaluate('request.json.user.id == 7', JSON_REQUEST), true);
});

test('json absent for invalid or incomplete body', () => {
  assert.equal(evaluate('has(request.json)', FORM), false);
  const partial = makeExchange({ method: 'POST', path: '/', body: '{"a":1}' });
  partial.request!.body!.complete = false;
  assert.equal(evaluate('has(request.json)', partial), false);
});

test('response json parses', () => {
  assert.equal(evaluate('response.json.count', FORM), 3);
});

test('detections come from the detection engine', () => {
  assert.equal(evaluate("detections.exists(d, d['class'] == 'sqli')", FORM), true);
  assert.equal(evaluate("detections.exists(d, d['class'] == 'sqli')", JSON_REQUEST), false);
  assert.deepEqual(evaluate("detections.map(d, d['location'])", FORM), ['query.q']);
});

test('response detections absent before response', () => {
  assert.equal(evaluate('has(response.detections)', JSON_REQUEST), false);
  assert.equal(evaluate('response.detections.size()', FORM), 0n);
});

test('certificate attributes come from Envoy attributes', () => {
  const mtls = makeExchange({ method: 'GET', path: '/' }, null, { attributes: { 'connection.subject_peer_certificate': 'CN=client', 'connection.uri_san_peer_certificate': 'spiffe://cluster.local/ns/a/sa/b' } });
  assert.equal(evaluate('connection.subject_peer_certificate', mtls), 'CN=client');
  assert.equal(evaluate("connection.uri_san_peer_certificate.startsWith('spiffe://')", mtls), true);
  assert.equal(evaluate('has(connection.dns_san_peer_certificate)', mtls), false);
});

interface PhaseCase {
  expression: string;
  phase: Phase;
  attribute: string;
}

const PHASE_CASES: PhaseCase[] = [
  { expression: "request.cookies['a'] == 'b'", phase: Phase.RequestHeaders, attribute: 'request.cookies' },
  { expression: "request.form['a'] == 'b'", phase: Phase.RequestBody, attribute: 'request.form' },
  { expression: 'has(request.json.user)', phase: Phase.RequestBody, attribute: 'request.json' },
  { expression: "detections.exists(d, d['class'] == 'xss')", phase: Phase.RequestBody, attribute: 'detections' },
  { expression: "request.method == 'GET' && detections.size() > 0", phase: Phase.RequestBody, attribute: 'detections' },
  { expression: 'response.detections.size() > 0', phase: Phase.ResponseBody, attribute: 'response.detections' },
  { expression: 'has(response.json)', phase: Phase.ResponseBody, attribute: 'response.json' },
  { expression: "connection.subject_peer_certificate == 'CN=a'", phase: Phase.RequestHeaders, attribute: 'connection.subject_peer_certificate' },
  { expression: '[1].exists(detections, detections == 1)', phase: Phase.RequestHeaders, attribute: '' },
];

test('phase of new attributes', () => {
  for (const { expression, phase, attribute } of PHASE_CASES) {
    const compiled = compile(expression);
    assert.equal(compiled.phase, phase, expression);
    assert.equal(compiled.phaseAttribute ?? '', attribute, expression);
  }
});

test('attribute readers cover attribute table', () => {
  const expected = Object.entries(ATTRIBUTES).flatMap(([root, { fields }]) => Object.keys(fields).map((field) => `${root}.${field}`));
  assert.deepEqual(Object.keys(ATTRIBUTE_READERS).sort(), expected.sort());
});

test('hot attribute reads match readers', () => {
  const full = makeExchange({ method: 'PUT', path: '/a/b?x=1', host: 'h.example' }, { code: 503 }, { source: { address: '192.0.2.4', port: 4000 }, destination: { address: '192.0.2.5', port: 80 } });
  const requestOnly = makeExchange({ method: 'GET', path: '/' });
  assert.equal(new Set(HOT_ATTRIBUTES.values()).size, HOT_ATTRIBUTES.size);
  for (const exchange of [full, requestOnly]) {
    const activation = new Activation(exchange, newTransactionRecord());
    for (const [name, id] of HOT_ATTRIBUTES) {
      const reader = ATTRIBUTE_READERS[name];
      assert.ok(reader !== undefined, `${name} has no reader`);
      assert.equal(readHotAttribute(activation as unknown as Record<string, unknown>, id), reader(activation), name);
    }
  }
});

test('uncompiled constructs fall back visibly', () => {
  const before = interpretedExpressionCount();
  const expression = compile("b'abc'.size() == 3");
  assert.equal(expression.compiled, false);
  assert.equal(interpretedExpressionCount(), before + 1);
  assert.equal(expression.evaluate(new Activation(FORM, newTransactionRecord())), true);
});

test('interpreted count in metrics', async () => {
  compile("b'x'.size() == 1");
  const metrics = new Metrics({ processMetrics: false });
  const text = await metrics.registry.getSingleMetricAsString('ctxproc_interpreted_expressions');
  assert.match(text, new RegExp(`^ctxproc_interpreted_expressions ${interpretedExpressionCount()}$`, 'm'));
  assert.ok(interpretedExpressionCount() >= 1);
});

test('runtime error thrown with code and range', () => {
  const expression = compile("request.headers['x-missing'] == 'a'");
  assert.throws(() => expression.evaluate(new Activation(FORM, newTransactionRecord())), (error: { code?: string; range?: { start: number; end: number } }) => {
    assert.equal(error.code, 'no_such_key');
    assert.deepEqual(error.range, { start: 0, end: 28 });
    return true;
  });
});

test('evaluateOrError returns the error', () => {
  const expression = compile("request.headers['x-missing'] == 'a'");
  const result = expression.evaluateOrError(new Activation(FORM, newTransactionRecord()));
  assert.ok(result instanceof Error);
  assert.equal((result as Error & { code: string }).code, 'no_such_key');
});
