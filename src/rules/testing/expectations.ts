// Compares what happened to a rule test's transaction with what the test
// expects. Each failed expectation becomes one message at the position of
// the line that states it, saying what was expected, what happened instead
// and, where it helps, which rules matched.
import { isDeepStrictEqual } from 'node:util';
import type { TransactionResult } from '../../client/types.js';
import type { SecurityEvent } from '../../events/security-event.js';
import type { HeaderList } from '../../model/exchange.js';
import type { TransactionRecord } from '../../model/record.js';
import type { FilePosition, HeaderExpectation, RuleTest } from './test-case.js';

/** The result of one test transaction, from the client and from the server. */
export interface TestOutcome {
  /** The Envoy-faithful client's view: the upstream request and the downstream response. */
  result: TransactionResult;
  /** The rules' decisions on the server. */
  record: TransactionRecord;
  /** True when the server sent an immediate response. */
  blocked: boolean;
  /** The security event written, or null when no rule logged the transaction. */
  event: SecurityEvent | null;
}

export interface TestFailure {
  position: FilePosition;
  message: string;
}

/** Header values shorter than this are not searched for in the event, because they match by chance. */
const MIN_LEAK_CHARS = 4;

/** Returns one failure per expectation of test that outcome does not meet. */
export function checkExpectations(test: RuleTest, outcome: TestOutcome): TestFailure[] {
  const failures: TestFailure[] = [];
  const fail = (key: string, message: string): void => {
    const parent = key.slice(0, key.lastIndexOf('.'));
    const position = test.expectationPositions.get(key) ?? test.expectationPositions.get(parent) ?? test.position;
    failures.push({ position, message });
  };

  checkBlock(test, outcome, fail);
  checkLogged(test, outcome, fail);
  checkMatched(test, outcome.record, fail);
  checkTags(test, outcome.record, fail);
  checkFields(test, outcome.event, fail);
  checkHeaders('upstream_headers', test.expect.upstream_headers, outcome.result.upstreamRequest?.headers ?? null, fail);
  checkHeaders('downstream_headers', test.expect.downstream_headers, outcome.result.downstreamResponse.headers, fail);
  checkRedacted(test, outcome.event, fail);
  return failures;
}

type Fail = (key: string, message: string) => void;

function checkBlock(test: RuleTest, outcome: TestOutcome, fail: Fail): void {
  const { blocked, status } = test.expect;
  const block = outcome.record.block;

  if (blocked === true && !outcome.blocked) {
    fail('blocked', `expected the request to be blocked, but no rule blocked it${matchedSuffix(outcome.record)}`);
  }
  if (blocked === false && outcome.blocked) {
    fail('blocked', `expected no block, but rule '${block?.rule ?? '?'}' blocked the request with status ${block?.status ?? '?'}`);
  }

  const result = outcome.result;
  if (status !== undefined && (result.downstreamReset || result.downstreamResponse.status !== status)) {
    const cause = outcome.blocked ? `, from the block of rule '${block?.rule ?? '?'}'` : '';
    fail('status', `expected status ${status}, but the client received ${receivedStatus(result)}${cause}`);
  }
}

function receivedStatus(result: TransactionResult): string {
  const status = result.downstreamResponse.status;
  return result.downstreamReset ? `a reset stream after status ${status}` : String(status);
}

function checkLogged(test: RuleTest, outcome: TestOutcome, fail: Fail): void {
  const logged = test.expect.logged;

  if (logged === true && outcome.event === null) {
    fail('logged', `expected a security event, but no rule logged the transaction${matchedSuffix(outcome.record)}`);
  }
  if (logged === false && outcome.event !== null) {
    fail('logged', `expected no security event, but rules ${quoteList(outcome.event.ctxproc.rules.logged_by)} logged the transaction`);
  }
}

function checkMatched(test: RuleTest, record: TransactionRecord, fail: Fail): void {
  test.expect.matched?.forEach((id, index) => {
    if (!record.matched.includes(id)) {
      const errors = record.ruleErrors.filter((error) => error.rule === id).map((error) => error.message);
      const cause = errors.length > 0 ? `; its evaluation failed: ${errors.join('; ')}` : '';
      fail(`matched.${index}`, `expected rule '${id}' to match, but it did not${cause}${matchedSuffix(record)}`);
    }
  });
  test.expect.not_matched?.forEach((id, index) => {
    if (record.matched.includes(id)) {
      fail(`not_matched.${index}`, `expected rule '${id}' not to match, but it did`);
    }
  });
}

function checkTags(test: RuleTest, record: TransactionRecord, fail: Fail): void {
  for (const [key, expected] of Object.entries(test.expect.tags ?? {})) {
    const actual = record.tags[key];
    if (actual === undefined) {
      fail(`tags.${key}`, `expected tag ${key}:${expected}, but no rule set tag '${key}'${matchedSuffix(record)}`);
    } else if (actual !== expected) {
      fail(`tags.${key}`, `expected tag ${key}:${expected}, got ${key}:${actual}`);
    }
  }
}

function checkFields(test: RuleTest, event: SecurityEvent | null, fail: Fail): void {
  const expected = test.expect.fields;
  if (expected === undefined) {
    return;
  }
  if (event === null) {
    fail('fields', 'expected event fields, but no security event was written');
    return;
  }

  const fields = event.ctxproc.fields ?? {};
  for (const [name, value] of Object.entries(expected)) {
    if (!Object.hasOwn(fields, name)) {
      fail(`fields.${name}`, `expected field '${name}' in the event, but it is absent; fields present: ${quoteList(Object.keys(fields))}`);
    } else if (!isDeepStrictEqual(fields[name], value)) {
      fail(`fields.${name}`, `expected field '${name}' to be ${JSON.stringify(value)}, got ${JSON.stringify(fields[name])}`);
    }
  }
}

function checkHeaders(key: 'upstream_headers' | 'downstream_headers', expected: Record<string, HeaderExpectation> | undefined, headers: HeaderList | null, fail: Fail): void {
  if (expected === undefined) {
    return;
  }
  const side = key === 'upstream_headers' ? 'the request the upstream received' : 'the response the client received';
  if (headers === null) {
    fail(key, `expected headers on ${side}, but the request never reached the upstream`);
    return;
  }

  for (const [name, want] of Object.entries(expected)) {
    const values = headers.filter(([header]) => header === name).map(([, value]) => value);
    const actual = values.length === 0 ? null : values.join(', ');
    if (want === true && actual === null) {
      fail(`${key}.${name}`, `expected header '${name}' on ${side}, but it is absent`);
    } else if (want === false && actual !== null) {
      fail(`${key}.${name}`, `expected no header '${name}' on ${side}, but it has ${JSON.stringify(actual)}`);
    } else if (typeof want === 'string' && actual !== want) {
      fail(`${key}.${name}`, `expected header '${name}' on ${side} to be ${JSON.stringify(want)}, got ${actual === null ? 'no such header' : JSON.stringify(actual)}`);
    }
  }
}

function checkRedacted(test: RuleTest, event: SecurityEvent | null, fail: Fail): void {
  const expected = test.expect.redacted;
  if (expected === undefined) {
    return;
  }
  if (event === null) {
    fail('redacted', 'expected redacted values, but no security event was written');
    return;
  }

  const fields = new Set(event.ctxproc.redactions.map((entry) => entry.field));
  for (const [index, location] of expected.entries()) {
    if (!fields.has(location)) {
      fail(`redacted.${index}`, `expected ${location} to be redacted, but the event lists no redaction there; it lists: ${quoteList([...fields])}`);
    }
  }

  const text = JSON.stringify(event);
  for (const [name, value] of redactedHeaderValues(test, expected)) {
    if (value.length >= MIN_LEAK_CHARS && text.includes(value)) {
      fail('redacted', `the value of header '${name}' appears unredacted in the event`);
    }
  }
}

/** Returns the test's request and response header values that an expected location names. */
function redactedHeaderValues(test: RuleTest, locations: readonly string[]): HeaderList {
  const values: HeaderList = [];
  for (const location of locations) {
    const match = /\b(request|response)\.headers\.([^.]+)$/.exec(location);
    if (match === null) {
      continue;
    }
    const headers = match[1] === 'request' ? test.request.headers : test.response?.headers ?? [];
    values.push(...headers.filter(([name]) => name === match[2]));
  }
  return values;
}

function matchedSuffix(record: TransactionRecord): string {
  return record.matched.length === 0 ? ' (no rule matched)' : ` (rules that matched: ${quoteList(record.matched)})`;
}

function quoteList(items: readonly string[]): string {
  return items.length === 0 ? 'none' : items.map((item) => `'${item}'`).join(', ');
}
