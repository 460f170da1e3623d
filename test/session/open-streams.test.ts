import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpenStreams } from '../../src/session/open-streams.js';

function addMany(streams: OpenStreams, connection: object, count: number): void {
  for (let i = 0; i < count; i += 1) {
    streams.add(connection);
  }
}

describe('OpenStreams', () => {
  it('rejects no connection below the limit', () => {
    const streams = new OpenStreams(10);
    const hog = {};
    addMany(streams, hog, 9);
    assert.equal(streams.rejectionFor(hog), null);
  });

  it('at the limit rejects the connection holding the most', () => {
    const streams = new OpenStreams(10);
    const hog = {};
    const envoy = {};
    addMany(streams, hog, 8);
    addMany(streams, envoy, 2);
    assert.equal(streams.rejectionFor(hog), 'largest_connection');
    assert.equal(streams.rejectionFor(envoy), null);
    assert.equal(streams.rejectionFor({}), null);
  });

  it('rejects every connection tied for the most', () => {
    const streams = new OpenStreams(10);
    const first = {};
    const second = {};
    addMany(streams, first, 5);
    addMany(streams, second, 5);
    assert.equal(streams.rejectionFor(first), 'largest_connection');
    assert.equal(streams.rejectionFor(second), 'largest_connection');
  });

  it('serves a connection above the mean but below the most', () => {
    // Mean share 20 / 3: the reader's 9 streams are above it, the hog's 10 are more.
    const streams = new OpenStreams(20);
    const hog = {};
    const reader = {};
    addMany(streams, hog, 10);
    addMany(streams, reader, 9);
    addMany(streams, {}, 1);
    assert.equal(streams.rejectionFor(reader), null);
    assert.equal(streams.rejectionFor(hog), 'largest_connection');
  });

  it('rejects every connection at twice the limit', () => {
    const streams = new OpenStreams(10);
    const hog = {};
    const envoy = {};
    addMany(streams, hog, 10);
    addMany(streams, envoy, 9);
    assert.equal(streams.rejectionFor(envoy), null);
    streams.add(envoy);
    assert.equal(streams.count, 20);
    assert.equal(streams.rejectionFor(envoy), 'hard_limit');
    assert.equal(streams.rejectionFor({}), 'hard_limit');
  });

  it('lowers the most as the largest connection closes streams', () => {
    const streams = new OpenStreams(6);
    const hog = {};
    const other = {};
    addMany(streams, hog, 4);
    addMany(streams, other, 2);
    streams.remove(hog);
    streams.remove(hog);
    streams.add(other);
    streams.add({});
    // Now hog 2, other 3 and a third 1, six in all, so other has the most.
    assert.equal(streams.count, 6);
    assert.equal(streams.rejectionFor(other), 'largest_connection');
    assert.equal(streams.rejectionFor(hog), null);
  });

  it('forgets a connection once its streams have ended', () => {
    const streams = new OpenStreams(2);
    const peer = 'ipv4:127.0.0.1:40000';
    streams.add(peer);
    streams.add(peer);
    streams.remove(peer);
    streams.remove(peer);
    streams.remove(peer);
    assert.equal(streams.count, 0);
    assert.equal(streams.countOf(peer), 0);
    assert.equal(streams.rejectionFor(peer), null);
  });
});
