import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CtxprocError } from '../../src/errors/codes.js';
import { createLogger } from '../../src/log/logger.js';
import { LineCapture } from '../events/fixtures.js';

describe('createLogger', () => {
  it('writes Datadog attributes', () => {
    const capture = new LineCapture();
    const logger = createLogger({ level: 'info', destination: capture, service: 'edge-ctxproc', name: 'server' });
    logger.info({ port: 50051 }, 'ext_proc server listening');
    const line = capture.lines()[0]!;

    assert.equal(line.status, 'info');
    assert.equal(line.message, 'ext_proc server listening');
    assert.equal(line.service, 'edge-ctxproc');
    assert.deepEqual(line.logger, { name: 'server' });
    assert.deepEqual(line.ctxproc, { kind: 'operational' });
    assert.equal(line.port, 50051);
    assert.match(String(line.timestamp), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    for (const key of ['level', 'time', 'msg']) {
      assert.equal(key in line, false, key);
    }
  });

  it('labels warnings and errors', () => {
    const capture = new LineCapture();
    const logger = createLogger({ level: 'info', destination: capture });
    logger.warn('reload skipped');
    logger.error('reload failed');
    assert.deepEqual(capture.lines().map((line) => line.status), ['warn', 'error']);
  });

  it('drops entries below the level', () => {
    const capture = new LineCapture();
    const logger = createLogger({ level: 'warn', destination: capture });
    logger.info('quiet');
    logger.debug('quieter');
    assert.equal(capture.chunks.length, 0);
  });

  it('writes errors as Datadog error attributes', () => {
    const capture = new LineCapture();
    const logger = createLogger({ level: 'info', destination: capture });
    logger.error(new CtxprocError('CTXPROC_RULES_INVALID', 'rules.yaml:3:5 unknown action'), 'rules reload failed');
    const line = capture.lines()[0] as { message: string; error: { kind: string; message: string; stack: string } };

    assert.equal(line.message, 'rules reload failed');
    assert.equal(line.error.kind, 'CTXPROC_RULES_INVALID');
    assert.match(line.error.message, /unknown action/);
    assert.match(line.error.stack, /CtxprocError/);
  });

  it('masks credential headers in logged objects', () => {
    const capture = new LineCapture();
    const logger = createLogger({ level: 'info', destination: capture });
    logger.info({ headers: { authorization: 'Bearer t0k', accept: '*/*' }, request: { headers: { cookie: 'sid=s3' } } }, 'request seen');

    assert.equal(capture.text.includes('t0k'), false);
    assert.equal(capture.text.includes('sid=s3'), false);
    assert.match(capture.text, /"accept":"\*\/\*"/);
  });

  it('rejects an unknown level', () => {
    assert.throws(
      () => createLogger({ level: 'verbose', destination: new LineCapture() }),
      (error: unknown) => error instanceof CtxprocError && error.code === 'CTXPROC_CONFIG_INVALID',
    );
  });
});
