// End-to-end tests of the Envoy-faithful client against a real grpc-js
// ext_proc server on 127.0.0.1 whose replies each test scripts.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { decodeRequest, encodeResponse, rawProcessService } from '../../src/protocol/codec.js';
import type {
  HeaderMap as ProtoHeaderMap,
  HeaderValueOption,
  ProcessingRequest,
  ProcessingResponse,
} from '../../src/protocol/messages.js';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import type { ClientOptions, HttpRequestSpec, HttpResponseSpec, Upstream } from '../../src/client/types.js';

// ---- scripted server -------------------------------------------------------

interface StreamRecord {
  messages: ProcessingRequest[];
  /** The client half-closed, or grpc-js ended the read side because of a reset. */
  sawEnd: boolean;
  /** The client reset the stream (RST_STREAM). */
  sawCancel: boolean;
  peer: string;
}

interface StreamControl {
  record: StreamRecord;
  reply(response: ProcessingResponse): void;
  /** Ends the call with OK. */
  end(): void;
  /** Ends the call with an error status. */
  fail(code: grpc.status, details: string): void;
}

type Script = (message: ProcessingRequest, control: StreamControl) => void;

class ScriptedServer {
  readonly streams: StreamRecord[] = [];
  script: Script = continueAll;
  target = '';
  private readonly server = new grpc.Server();

  async start(): Promise<void> {
    this.server.addService(rawProcessService, {
      Process: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => this.onCall(call),
    });
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      );
    });
    this.target = `127.0.0.1:${port}`;
  }

  reset(script: Script): void {
    this.streams.length = 0;
    this.script = script;
  }

  stop(): void {
    this.server.forceShutdown();
  }

  private onCall(call: grpc.ServerDuplexStream<Buffer, Buffer>): void {
    const record: StreamRecord = { messages: [], sawEnd: false, sawCancel: false, peer: call.getPeer() };
    this.streams.push(record);
    let finished = false;
    const control: StreamControl = {
      record,
      reply: (response) => {
        if (!finished) {
          call.write(encodeResponse(response));
        }
      },
      end: () => {
        finished = true;
        call.end();
      },
      fail: (code, details) => {
        finished = true;
        call.emit('error', { code, details });
      },
    };

    call.on('data', (bytes: Buffer) => {
      const message = decodeRequest(bytes);
      record.messages.push(message);
      this.script(message, control);
    });
    // grpc-js shows a client reset as 'end' then 'cancelled', and also emits
    // 'cancelled' after every status it sends. So the server ends the call a
    // short delay after a half-close, and only a 'cancelled' that comes
    // before the server's own status counts as a reset.
    call.on('end', () => {
      record.sawEnd = true;
      setTimeout(() => {
        if (!record.sawCancel) {
          control.end();
        }
      }, 10);
    });
    call.on('cancelled', () => {
      if (!finished) {
        record.sawCancel = true;
      }
      finished = true;
    });
    call.on('error', () => {});
  }
}

// ---- helpers ---------------------------------------------------------------

/** Replies to every message with an empty reply of the matching kind. */
function continueAll(message: ProcessingRequest, control: StreamControl): void {
  control.reply(emptyReply(message));
}

function emptyReply(message: ProcessingRequest): ProcessingResponse {
  const kind = message.request!;
  if (kind === 'request_trailers' || kind === 'response_trailers') {
    return { [kind]: {} };
  }
  return { [kind]: { response: {} } };
}

function setHeader(key: string, value: string, append?: boolean): HeaderValueOption {
  const option: HeaderValueOption = { header: { key, raw_value: Buffer.from(value, 'latin1') } };
  if (append !== undefined) {
    option.append = { value: append };
  }
  return option;
}

function headerPairs(map: ProtoHeaderMap | null | undefined): Array<[string, string]> {
  return (map?.headers ?? []).map((header) => [header.key, Buffer.from(header.raw_value ?? []).toString('latin1')]);
}

function kinds(record: StreamRecord | undefined): string[] {
  return (record?.messages ?? []).map((message) => message.request ?? 'none');
}

function headerOf(headers: Array<[string, string]>, name: string): string[] {
  return headers.filter(([key]) => key === name).map(([, value]) => value);
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function getRequest(overrides: Partial<HttpRequestSpec> = {}): HttpRequestSpec {
  return {
    method: 'GET',
    path: '/items?id=7',
    scheme: 'http',
    authority: 'shop.example',
    headers: [
      ['user-agent', 'client-test'],
      ['x-request-tag', 'a'],
    ],
    ...overrides,
  };
}

function postRequest(body: string, overrides: Partial<HttpRequestSpec> = {}): HttpRequestSpec {
  return getRequest({
    method: 'POST',
    headers: [
      ['content-type', 'text/plain'],
      ['content-length', String(Buffer.byteLength(body))],
    ],
    body: Buffer.from(body),
    ...overrides,
  });
}

/** An upstream that records each request and returns 200 "hello". */
function recordingUpstream(response: Partial<HttpResponseSpec> = {}, delayMs = 0): {
  upstream: Upstream;
  requests: HttpRequestSpec[];
} {
  const requests: HttpRequestSpec[] = [];
  const upstream: Upstream = async (request) => {
    requests.push(request);
    if (delayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    return { status: 200, headers: [['content-type', 'text/plain']], body: Buffer.from('hello'), ...response };
  };
  return { upstream, requests };
}

const server = new ScriptedServer();
const clients: EnvoyClient[] = [];

function newClient(options: Partial<ClientOptions> = {}): EnvoyClient {
  const client = new EnvoyClient({ target: server.target, ...options });
  clients.push(client);
  return client;
}

before(async () => {
  await server.start();
});

afterEach(() => {
  for (const client of clients.splice(0)) {
    client.close();
  }
});

after(() => {
  server.stop();
});

// ---- message order ---------------------------------------------------------

describe('message order', () => {
  test('default mode sends both headers only', async () => {
    server.reset(continueAll);
    const { upstream, requests } = recordingUpstream();

    const result = await newClient().run(getRequest(), upstream);

    assert.deepEqual(kinds(server.streams[0]), ['request_headers', 'response_headers']);
    assert.equal(result.responseCodeDetails, 'via_upstream');
    assert.equal(result.localReply, false);
    assert.equal(result.messagesSent, 2);
    assert.equal(result.messagesReceived, 2);
    assert.equal(requests.length, 1);
    assert.equal(result.downstreamResponse.status, 200);
    assert.equal(result.downstreamResponse.body?.toString(), 'hello');
  });

  test('request headers carry pseudo-headers first and raw values', async () => {
    server.reset(continueAll);
    const { upstream } = recordingUpstream();

    await newClient().run(getRequest({ headers: [['X-Mixed-Case', 'v'], ['host', 'ignored.example']] }), upstream);

    const first = server.streams[0]!.messages[0]!;
    const headers = first.request_headers!.headers!.headers!;
    assert.deepEqual(
      headers.map((header) => header.key),
      [':method', ':scheme', ':authority', ':path', 'x-mixed-case'],
    );
    for (const header of headers) {
      assert.equal(header.value ?? '', '', `value of ${header.key} must stay empty`);
      assert.ok(Buffer.isBuffer(header.raw_value), `raw_value of ${header.key} must be bytes`);
    }
    assert.deepEqual(headerPairs(first.request_headers!.headers).slice(0, 4), [
      [':method', 'GET'],
      [':scheme', 'http'],
      [':authority', 'shop.example'],
      [':path', '/items?id=7'],
    ]);
    assert.equal(first.request_headers!.end_of_stream, true);
  });

  test('protocol_config rides on the first message only', async () => {
    server.reset(continueAll);
    const { upstream } = recordingUpstream();

    await newClient({ processingMode: { response_body_mode: 'BUFFERED' } }).run(getRequest(), upstream);

    const [first, second] = server.streams[0]!.messages;
    assert.equal(first!.protocol_config?.request_body_mode ?? 0, 0);
    assert.equal(first!.protocol_config?.response_body_mode, 2);
    assert.equal(second!.protocol_config ?? null, null);
  });

  test('response headers start with :status', async () => {
    server.reset(continueAll);
    const { upstream } = recordingUpstream({ headers: [['x-up', '1']] });

    await newClient().run(getRequest(), upstream);

    const message = server.streams[0]!.messages[1]!;
    assert.deepEqual(headerPairs(message.response_headers!.headers), [
      [':status', '200'],
      ['x-up', '1'],
    ]);
    assert.equal(message.response_headers!.end_of_stream, false);
  });

  test('BUFFERED sends the whole body once', async () => {
    server.reset(continueAll);
    const { upstream, requests } = recordingUpstream();
    const client = newClient({ processingMode: { request_body_mode: 'BUFFERED' }, bodyChunkSize: 4 });

    await client.run(postRequest('0123456789'), upstream);

    const record = server.streams[0]!;
    assert.deepEqual(kinds(record), ['request_headers', 'request_body', 'response_headers']);
    assert.equal(record.messages[0]!.request_headers!.end_of_stream, false);
    assert.equal(Buffer.from(record.messages[1]!.request_body!.body!).toString(), '0123456789');
    assert.equal(record.messages[1]!.request_body!.end_of_stream, true);
    assert.equal(requests[0]!.body?.toString(), '0123456789');
    assert.deepEqual(headerOf(requests[0]!.headers, 'content-length'), ['10']);
  });

  test('STREAMED sends chunks with end_of_stream on the last', async () => {
    server.reset(continueAll);
    const { upstream, requests } = recordingUpstream();
    const client = newClient({ processingMode: { request_body_mode: 'STREAMED' }, bodyChunkSize: 4 });

    await client.run(postRequest('0123456789'), upstream);

    const bodies = server.streams[0]!.messages.filter((message) => message.request === 'request_body');
    assert.deepEqual(
      bodies.map((message) => Buffer.from(message.request_body!.body!).toString()),
      ['0123', '4567', '89'],
    );
    assert.deepEqual(
      bodies.map((message) => message.request_body!.end_of_stream ?? false),
      [false, false, true],
    );
    assert.equal(requests[0]!.body?.toString(), '0123456789');
    assert.deepEqual(headerOf(requests[0]!.headers, 'content-length'), [], 'STREAMED drops content-length');
  });

  test('trailer mode SEND sends existing trailers', async () => {
    server.reset(continueAll);
    const { upstream, requests } = recordingUpstream();
    const client = newClient({
      processingMode: { request_body_mode: 'STREAMED', request_trailer_mode: 'SEND', response_header_mode: 'SKIP' },
      bodyChunkSize: 8,
    });

    await client.run(postRequest('abcdefgh12', { trailers: [['x-checksum', '42']] }), upstream);

    const record = server.streams[0]!;
    assert.deepEqual(kinds(record), ['request_headers', 'request_body', 'request_body', 'request_trailers']);
    assert.equal(record.messages[2]!.request_body!.end_of_stream ?? false, false);
    assert.deepEqual(headerPairs(record.messages[3]!.request_trailers!.trailers), [['x-checksum', '42']]);
    assert.deepEqual(requests[0]!.trailers, [['x-checksum', '42']]);
  });

  test('trailer mode SKIP sends no trailers and no end_of_stream', async () => {
    server.reset(continueAll);
    const { upstream } = recordingUpstream();
    const client = newClient({
      processingMode: { request_body_mode: 'STREAMED', response_header_mode: 'SKIP' },
      bodyChunkSize: 8,
    });

    await client.run(postRequest('abcdefgh12', { trailers: [['x-checksum', '42']] }), upstream);

    const record = server.streams[0]!;
    assert.deepEqual(kinds(record), ['request_headers', 'request_body', 'request_body']);
    assert.ok(record.messages.every((message) => message.request_body?.end_of_stream !== true));
  });

  test('BUFFERED body before trailers has no end_of_stream', async () => {
    server.reset(continueAll);
    const { upstream } = recordingUpstream();
    const client = newClient({
      processingMode: { request_body_mode: 'BUFFERED', request_trailer_mode: 'SEND', response_header_mode: 'SKIP' },
    });

    await client.run(postRequest('payload', { trailers: [['x-checksum', '42']] }), upstream);

    const record = server.streams[0]!;
    assert.deepEqual(kinds(record), ['request_headers', 'request_body', 'request_trailers']);
    assert.equal(record.messages[1]!.request_body!.end_of_stream ?? false, false);
  });

  test('headers without body or trailers carry end_of_stream', async () => {
    server.reset(continueAll);
    const { upstream } = recordingUpstream({ body: Buffer.alloc(0) });

    await newClient().run(getRequest(), upstream);

    const record = server.streams[0]!;
    assert.equal(record.messages[0]!.request_headers!.end_of_stream, true);
    assert.equal(record.messages[1]!.response_headers!.end_of_stream, true);
  });

  test('attributes once per direction and metadata on every message', async () => {
    server.reset(continueAll);
    const { upstream } = recordingUpstream();
    const client = newClient({
      processingMode: { request_body_mode: 'STREAMED', response_body_mode: 'STREAMED' },
      bodyChunkSize: 4,
      requestAttributes: { 'request.id': 'r-1' },
      responseAttributes: { 'response.code': 200 },
      metadataContext: { tenant: { name: 'blue' } },
    });

    await client.run(postRequest('12345678'), upstream);

    const messages = server.streams[0]!.messages;
    const withAttributes = messages.filter((message) => Object.keys(message.attributes ?? {}).length > 0);
    assert.deepEqual(
      withAttributes.map((message) => message.request),
      ['request_headers', 'response_headers'],
    );
    const requestStruct = withAttributes[0]!.attributes!['envoy.filters.http.ext_proc']!;
    assert.equal(requestStruct.fields!['request.id']!.stringValue, 'r-1');
    for (const message of messages) {
      assert.equal(message.metadata_context?.filter_metadata?.['tenant']?.fields?.['name']?.stringValue, 'blue');
    }
  });
});

// ---- mutations -------------------------------------------------------------

describe('header mutations', () => {
  function mutateRequestHeaders(mutation: ProcessingResponse['request_headers']): Script {
    return (message, control) => {
      if (message.request === 'request_headers') {
        control.reply({ request_headers: mutation });
        return;
      }
      continueAll(message, control);
    };
  }

  test('set, append and remove reach the upstream', async () => {
    server.reset(
      mutateRequestHeaders({
        response: {
          header_mutation: {
            set_headers: [
              setHeader('x-request-tag', 'b'),
              setHeader('x-added', '1', true),
              setHeader('x-added', '2', true),
              setHeader('x-forwarded-for', '10.0.0.1', true),
              setHeader('x-forwarded-for', '10.0.0.2', true),
              setHeader(':path', '/rewritten'),
            ],
            remove_headers: ['user-agent'],
          },
        },
      }),
    );
    const { upstream, requests } = recordingUpstream();

    const result = await newClient().run(getRequest(), upstream);

    const sent = requests[0]!;
    assert.equal(result.rejectedHeaderMutations, 0);
    assert.equal(sent.path, '/rewritten');
    assert.deepEqual(headerOf(sent.headers, 'x-request-tag'), ['b']);
    assert.deepEqual(headerOf(sent.headers, 'x-added'), ['1', '2']);
    assert.deepEqual(headerOf(sent.headers, 'x-forwarded-for'), ['10.0.0.1,10.0.0.2'], 'inline headers join');
    assert.deepEqual(headerOf(sent.headers, 'user-agent'), []);
  });

  test('value without raw_value sets an empty value', async () => {
    server.reset(
      mutateRequestHeaders({ response: { header_mutation: { set_headers: [{ header: { key: 'x-a', value: 'v' } }] } } }),
    );
    const { upstream, requests } = recordingUpstream();

    await newClient().run(getRequest(), upstream);

    assert.deepEqual(headerOf(requests[0]!.headers, 'x-a'), ['']);
  });

  test('value and raw_value both set fail with 500', async () => {
    server.reset(
      mutateRequestHeaders({
        response: {
          header_mutation: { set_headers: [{ header: { key: 'x-a', value: 'v', raw_value: Buffer.from('v') } }] },
        },
      }),
    );
    const { upstream, requests } = recordingUpstream();

    const result = await newClient().run(getRequest(), upstream);

    assert.equal(requests.length, 0);
    assert.equal(result.upstreamRequest, null);
    assert.equal(result.downstreamResponse.status, 500);
    assert.equal(result.localReply, true);
    assert.equal(result.responseCodeDetails, 'Only_one_of_value_or_raw_value_in_the_HeaderValue_message_should_be_set.');
    assert.equal(result.protocolErrors.length, 1);
    await waitFor(() => server.streams[0]!.sawCancel);
  });

  test('invalid header name fails with 500', async () => {
    server.reset(mutateRequestHeaders({ response: { header_mutation: { set_headers: [setHeader('bad name', 'v')] } } }));
    const { upstream } = recordingUpstream();

    const result = await newClient().run(getRequest(), upstream);

    assert.equal(result.downstreamResponse.status, 500);
    assert.equal(result.responseCodeDetails, 'Invalid_character_in_set_headers_mutation.');
    assert.equal(result.rejectedHeaderMutations, 1);
  });

  test('invalid header value fails with 500', async () => {
    server.reset(mutateRequestHeaders({ response: { header_mutation: { set_headers: [setHeader('x-a', 'a\r\nb')] } } }));
    const { upstream } = recordingUpstream();

    const result = await newClient().run(getRequest(), upstream);

    assert.equal(result.downstreamResponse.status, 500);
  });

  test('disallowed mutations are ignored and counted', async () => {
    server.reset(
      mutateRequestHeaders({
        response: {
          header_mutation: {
            set_headers: [setHeader(':authority', 'evil.example'), setHeader('x-envoy-retry-on', '5xx')],
            remove_headers: [':path'],
          },
        },
      }),
    );
    const { upstream, requests } = recordingUpstream();

    const result = await newClient().run(getRequest(), upstream);

    assert.equal(result.rejectedHeaderMutations, 3);
    assert.equal(result.responseCodeDetails, 'via_upstream');
    assert.equal(requests[0]!.authority, 'shop.example');
    assert.equal(requests[0]!.path, '/items?id=7');
    assert.deepEqual(headerOf(requests[0]!.headers, 'x-envoy-retry-on'), []);
  });

  test('allow_all_routing lets :authority change', async () => {
    server.reset(mutateRequestHeaders({ response: { header_mutation: { set_headers: [setHeader(':authority', 'b.example')] } } }));
    const { upstream, requests } = recordingUpstream();

    const result = await newClient({ mutationRules: { allow_all_routing: true } }).run(getRequest(), upstream);

    assert.equal(result.rejectedHeaderMutations, 0);
    assert.equal(requests[0]!.authority, 'b.example');
  });

  test('disallow_is_error turns an ignored mutation into 500', async () => {
    server.reset(mutateRequestHeaders({ response: { header_mutation: { set_headers: [setHeader(':authority', 'b.example')] } } }));
    const { upstream } = recordingUpstream();

    const result = await newClient({ mutationRules: { disallow_is_error: true } }).run(getRequest(), upstream);

    assert.equal(result.downstreamResponse.status, 500);
    assert.equal(result.responseCodeDetails, 'Invalid_attempt_to_modify_:authority');
  });

  test('response mutations change what the downstream gets', async () => {
    server.reset((message, control) => {
      if (message.request === 'response_headers') {
        control.reply({
          response_headers: {
            response: {
              header_mutation: { set_headers: [setHeader(':status', '203'), setHeader('x-checked', 'yes')] },
            },
          },
        });
        return;
      }
      continueAll(message, control);
    });
    const { upstream } = recordingUpstream();

    const result = await newClient().run(getRequest(), upstream);

    assert.equal(result.downstreamResponse.status, 203);
    assert.deepEqual(headerOf(result.downstreamResponse.headers, 'x-checked'), ['yes']);
  });

  test('header mutation in a STREAMED body reply is ignored', async () => {
    server.reset((message, control) => {
      if (message.request === 'request_body') {
        control.reply({
          request_body: {
            response: {
              header_mutation: { set_headers: [setHeader('x-late', '1')] },
              body_mutation: { body: Buffer.from('XY') },
            },
          },
        });
        return;
      }
      continueAll(message, control);
    });
    const { upstream, requests } = recordingUpstream();
    const client = newClient({ processingMode: { request_body_mode: 'STREAMED' }, bodyChunkSize: 2 });

    await client.run(postRequest('abcd'), upstream);

    assert.equal(requests[0]!.body?.toString(), 'XYXY');
    assert.deepEqual(headerOf(requests[0]!.headers, 'x-late'), []);
  });

  test('content-length set in STREAMED mode is skipped', async () => {
    server.reset(
      mutateRequestHeaders({ response: { header_mutation: { set_headers: [setHeader('content-length', '4')] } } }),
    );
    const { upstream, requests } = recordingUpstream();
    const client = newClient({ processingMode: { request_body_mode: 'STREAMED' } });

    await client.run(postRequest('abcd'), upstream);

    assert.deepEqual(headerOf(requests[0]!.headers, 'content-length'), []);
  });
});

describe('body mutations', () => {
  function bufferedBodyReply(response: NonNullable<ProcessingResponse['request_body']>): Script {
    return (message, control) => {
      if (message.request === 'request_body') {
        control.reply({ request_body: response });
        return;
      }
      continueAll(message, control);
    };
  }

  const bufferedMode: Partial<ClientOptions> = { processingMode: { request_body_mode: 'BUFFERED' } };

  test('content-length mismatch fails with 500', async () => {
    server.reset(bufferedBodyReply({ response: { body_mutation: { body: Buffer.from('Hi') } } }));
    const { upstream, requests } = recordingUpstream();

    const result = await newClient(bufferedMode).run(postRequest('Replace this!'), upstream);

    assert.equal(requests.length, 0);
    assert.equal(result.downstreamResponse.status, 500);
    assert.equal(result.responseCodeDetails, 'mismatch_between_content_length_and_the_length_of_the_mutated_body');
  });

  test('same reply fixing content-length forwards the body', async () => {
    server.reset(
      bufferedBodyReply({
        response: {
          header_mutation: { set_headers: [setHeader('content-length', '2')] },
          body_mutation: { body: Buffer.from('Hi') },
        },
      }),
    );
    const { upstream, requests } = recordingUpstream();

    const result = await newClient(bufferedMode).run(postRequest('Replace this!'), upstream);

    assert.equal(result.responseCodeDetails, 'via_upstream');
    assert.equal(requests[0]!.body?.toString(), 'Hi');
    assert.deepEqual(headerOf(requests[0]!.headers, 'content-length'), ['2']);
  });

  test('clear_body counts as length 0', async () => {
    server.reset(bufferedBodyReply({ response: { body_mutation: { clear_body: true } } }));
    const { upstream } = recordingUpstream();

    const result = await newClient(bufferedMode).run(postRequest('abc'), upstream);

    assert.equal(result.downstreamResponse.status, 500);
  });

  test('CONTINUE_AND_REPLACE replaces the body and skips the rest', async () => {
    server.reset((message, control) => {
      if (message.request === 'request_headers') {
        control.reply({
          request_headers: { response: { status: 1, body_mutation: { body: Buffer.from('replacement') } } },
        });
        return;
      }
      continueAll(message, control);
    });
    const { upstream, requests } = recordingUpstream();
    const client = newClient({ ...bufferedMode, processingMode: { request_body_mode: 'BUFFERED', request_trailer_mode: 'SEND' } });

    await client.run(postRequest('original', { trailers: [['x-t', '1']] }), upstream);

    assert.deepEqual(kinds(server.streams[0]), ['request_headers', 'response_headers']);
    assert.equal(requests[0]!.body?.toString(), 'replacement');
    assert.deepEqual(headerOf(requests[0]!.headers, 'content-length'), []);
  });

  test('BUFFERED body over the limit gives 413', async () => {
    server.reset(continueAll);
    const { upstream, requests } = recordingUpstream();
    const client = newClient({ ...bufferedMode, bufferLimitBytes: 1024, bodyChunkSize: 512 });

    const result = await client.run(postRequest('x'.repeat(2048)), upstream);

    assert.equal(requests.length, 0);
    assert.equal(result.downstreamResponse.status, 413);
    assert.equal(result.responseCodeDetails, 'request_payload_too_large');
    assert.deepEqual(kinds(server.streams[0]), ['request_headers', 'response_headers'], 'the 413 passes ext_proc');
    assert.deepEqual(headerPairs(server.streams[0]!.messages[1]!.response_headers!.headers)[0], [':status', '413']);
  });
});

describe('BUFFERED_PARTIAL and the response path', () => {
  test('BUFFERED_PARTIAL sends up to the limit, the rest bypasses', async () => {
    server.reset((message, control) => {
      if (message.request === 'request_body') {
        const sent = Buffer.from(message.request_body!.body!).toString();
        control.reply({ request_body: { response: { body_mutation: { body: Buffer.from(sent.toUpperCase()) } } } });
        return;
      }
      continueAll(message, control);
    });
    const { upstream, requests } = recordingUpstream();
    const client = newClient({
      processingMode: { request_body_mode: 'BUFFERED_PARTIAL', response_header_mode: 'SKIP' },
      bufferLimitBytes: 8,
      bodyChunkSize: 4,
    });

    await client.run(postRequest('abcdefghijklmnopqrst'), upstream);

    const bodies = server.streams[0]!.messages.filter((message) => message.request === 'request_body');
    assert.equal(bodies.length, 1);
    assert.equal(Buffer.from(bodies[0]!.request_body!.body!).toString(), 'abcdefghijkl');
    assert.equal(bodies[0]!.request_body!.end_of_stream ?? false, false);
    assert.equal(requests[0]!.body?.toString(), 'ABCDEFGHIJKLmnopqrst');
    assert.deepEqual(headerOf(requests[0]!.headers, 'content-length'), []);
  });

  test('BUFFERED_PARTIAL under the limit sends everything with end_of_stream', async () => {
    server.reset(continueAll);
    const { upstream } = recordingUpstream();
    const client = newClient({
      processingMode: { request_body_mode: 'BUFFERED_PARTIAL', response_header_mode: 'SKIP' },
      bufferLimitBytes: 64,
      bodyChunkSize: 4,
    });

    await client.run(postRequest('abcdefghij'), upstream);

    const body = server.streams[0]!.messages[1]!.request_body!;
    assert.equal(Buffer.from(body.body!).toString(), 'abcdefghij');
    assert.equal(body.end_of_stream, true);
  });

  test('immediate_response before response headers go down replaces the response', async () => {
    server.reset((message, control) => {
      if (message.request === 'response_body') {
        control.reply({ immediate_response: { status: { code: 403 }, body: Buffer.from('leak blocked') } });
        return;
      }
      continueAll(message, control);
    });
    const { upstream } = recordingUpstream({ body: Buffer.from('secret') });
    const client = newClient({ processingMode: { response_body_mode: 'BUFFERED' } });

    const result = await client.run(getRequest(), upstream);

    assert.equal(result.downstreamReset, false);
    assert.equal(result.downstreamResponse.status, 403);
    assert.equal(result.downstreamResponse.body?.toString(), 'leak blocked');
  });

  test('immediate_response after response headers went down resets', async () => {
    server.reset((message, control) => {
      if (message.request === 'response_body') {
        control.reply({ immediate_response: { status: { code: 403 } } });
        return;
      }
      continueAll(message, control);
    });
    const { upstream } = recordingUpstream({ body: Buffer.from('secret') });
    const client = newClient({ processingMode: { response_body_mode: 'STREAMED' } });

    const result = await client.run(getRequest(), upstream);

    assert.equal(result.downstreamReset, true);
    assert.equal(result.localReply, true);
    assert.equal(result.downstreamResponse.status, 200, 'the headers already sent');
  });

  test('response body over the limit gives 500 while headers are held', async () => {
    server.reset(continueAll);
    const { upstream } = recordingUpstream({ body: Buffer.alloc(64, 'x') });
    const client = newClient({ processingMode: { response_body_mode: 'BUFFERED' }, bufferLimitBytes: 32, bodyChunkSize: 16 });

    const result = await client.run(getRequest(), upstream);

    assert.equal(result.downstreamResponse.status, 500);
    assert.equal(result.responseCodeDetails, 'response_payload_too_large');
    assert.deepEqual(kinds(server.streams[0]), ['request_headers', 'response_headers']);
  });

  test('BUFFERED response body reply can change held headers', async () => {
    server.reset((message, control) => {
      if (message.request === 'response_body') {
        control.reply({
          response_body: {
            response: {
              header_mutation: { set_headers: [setHeader('x-scanned', 'yes')], remove_headers: ['content-length'] },
              body_mutation: { body: Buffer.from('[redacted]') },
            },
          },
        });
        return;
      }
      continueAll(message, control);
    });
    const { upstream } = recordingUpstream({ headers: [['content-length', '6']], body: Buffer.from('secret') });
    const client = newClient({ processingMode: { response_body_mode: 'BUFFERED' } });

    const result = await client.run(getRequest(), upstream);

    assert.equal(result.downstreamResponse.body?.toString(), '[redacted]');
    assert.deepEqual(headerOf(result.downstreamResponse.headers, 'x-scanned'), ['yes']);
    assert.deepEqual(headerOf(result.downstreamResponse.headers, 'content-length'), []);
  });
});

// ---- replies out of turn ---------------------------------------------------

describe('immediate_response and spurious replies', () => {
  test('immediate_response answers locally', async () => {
    server.reset((_message, control) => {
      control.reply({
        immediate_response: {
          status: { code: 403 },
          headers: { set_headers: [setHeader('x-blocked-by', 'ctxproc')] },
          body: Buffer.from('denied'),
          details: 'blocked by rule',
        },
        dynamic_metadata: {
          fields: { ctxproc: { structValue: { fields: { verdict: { stringValue: 'block' } } } } },
        },
      });
    });
    const { upstream, requests } = recordingUpstream();

    const result = await newClient().run(getRequest(), upstream);

    assert.equal(requests.length, 0);
    assert.equal(result.localReply, true);
    assert.equal(result.downstreamResponse.status, 403);
    assert.equal(result.downstreamResponse.body?.toString(), 'denied');
    assert.deepEqual(headerOf(result.downstreamResponse.headers, 'x-blocked-by'), ['ctxproc']);
    assert.deepEqual(headerOf(result.downstreamResponse.headers, 'content-type'), ['text/plain']);
    assert.equal(result.responseCodeDetails, 'blocked_by_rule');
    assert.deepEqual(result.dynamicMetadata, { ctxproc: { verdict: 'block' } });
    assert.deepEqual(kinds(server.streams[0]), ['request_headers']);
  });

  test('immediate_response status below 200 becomes 200', async () => {
    server.reset((_message, control) => control.reply({ immediate_response: { status: { code: 100 } } }));
    const { upstream } = recordingUpstream();

    const result = await newClient().run(getRequest(), upstream);

    assert.equal(result.downstreamResponse.status, 200);
  });

  test('wrong reply kind is spurious and fails with 500', async () => {
    server.reset((_message, control) => control.reply({ response_headers: { response: {} } }));
    const { upstream, requests } = recordingUpstream();

    const result = await newClient().run(getRequest(), upstream);

    assert.equal(requests.length, 0);
    assert.equal(result.downstreamResponse.status, 500);
    assert.equal(result.responseCodeDetails, 'spurious_message');
    assert.match(result.protocolErrors[0]!, /spurious response_headers/);
  });

  test('spurious reply with fail-open skips the rest', async () => {
    server.reset((_message, control) => control.reply({ response_headers: { response: {} } }));
    const { upstream, requests } = recordingUpstream();

    const result = await newClient({ failureModeAllow: true }).run(getRequest(), upstream);

    assert.equal(requests.length, 1);
    assert.equal(result.responseCodeDetails, 'via_upstream');
    assert.deepEqual(kinds(server.streams[0]), ['request_headers']);
    assert.equal(result.protocolErrors.length, 1);
  });

  test('duplicate reply during the upstream call fails with 500', async () => {
    server.reset((message, control) => {
      continueAll(message, control);
      if (message.request === 'request_headers') {
        continueAll(message, control);
      }
    });
    const { upstream, requests } = recordingUpstream({}, 100);

    const result = await newClient().run(getRequest(), upstream);

    assert.equal(requests.length, 1, 'the upstream was already called');
    assert.equal(result.downstreamResponse.status, 500);
    assert.equal(result.responseCodeDetails, 'spurious_message');
  });

  test('empty reply is unhandled and fails with 500', async () => {
    server.reset((_message, control) => control.reply({}));
    const { upstream } = recordingUpstream();

    const result = await newClient().run(getRequest(), upstream);

    assert.equal(result.responseCodeDetails, 'unhandled_message');
  });
});

// ---- timeouts, errors, closes ----------------------------------------------

describe('timeouts and stream ends', () => {
  const silent: Script = () => {};

  test('message timeout gives 504', async () => {
    server.reset(silent);
    const { upstream, requests } = recordingUpstream();

    const started = Date.now();
    const result = await newClient({ messageTimeoutMs: 50 }).run(getRequest(), upstream);

    assert.ok(Date.now() - started >= 45);
    assert.equal(requests.length, 0);
    assert.equal(result.timedOut, true);
    assert.equal(result.downstreamResponse.status, 504);
    assert.equal(result.responseCodeDetails, 'ext_proc_error_per-message_timeout_exceeded');
    await waitFor(() => server.streams[0]!.sawCancel);
  });

  test('message timeout with fail-open forwards unmodified', async () => {
    server.reset((message, control) => {
      setTimeout(
        () =>
          control.reply({
            request_headers: { response: { header_mutation: { set_headers: [setHeader('x-late', '1')] } } },
          }),
        120,
      );
      void message;
    });
    const { upstream, requests } = recordingUpstream();

    const result = await newClient({ messageTimeoutMs: 50, failureModeAllow: true }).run(getRequest(), upstream);

    assert.equal(result.timedOut, true);
    assert.equal(result.responseCodeDetails, 'via_upstream');
    assert.deepEqual(headerOf(requests[0]!.headers, 'x-late'), []);
    assert.deepEqual(kinds(server.streams[0]), ['request_headers'], 'the response is not processed');
  });

  test('override_message_timeout within the maximum extends the wait', async () => {
    server.reset((message, control) => {
      control.reply({ override_message_timeout: { seconds: 0, nanos: 300_000_000 } });
      setTimeout(() => continueAll(message, control), 100);
    });
    const { upstream } = recordingUpstream();
    const client = newClient({ messageTimeoutMs: 50, maxMessageTimeoutMs: 500, processingMode: { response_header_mode: 'SKIP' } });

    const result = await client.run(getRequest(), upstream);

    assert.equal(result.timedOut, false);
    assert.equal(result.responseCodeDetails, 'via_upstream');
  });

  test('override_message_timeout is ignored without a maximum', async () => {
    server.reset((message, control) => {
      control.reply({ override_message_timeout: { seconds: 0, nanos: 300_000_000 } });
      setTimeout(() => continueAll(message, control), 100);
    });
    const { upstream } = recordingUpstream();

    const result = await newClient({ messageTimeoutMs: 50 }).run(getRequest(), upstream);

    assert.equal(result.timedOut, true);
    assert.equal(result.downstreamResponse.status, 504);
  });

  test('gRPC error status gives 500', async () => {
    server.reset((_message, control) => control.fail(grpc.status.INTERNAL, 'boom'));
    const { upstream, requests } = recordingUpstream();

    const result = await newClient().run(getRequest(), upstream);

    assert.equal(requests.length, 0);
    assert.equal(result.downstreamResponse.status, 500);
    assert.equal(result.responseCodeDetails, 'ext_proc_error_gRPC_error_13{boom}');
    assert.deepEqual(result.grpcStatus, { code: 13, details: 'boom' });
    assert.equal(result.streamEnd.how, 'server');
  });

  test('gRPC error with fail-open continues', async () => {
    server.reset((_message, control) => control.fail(grpc.status.UNAVAILABLE, 'down'));
    const { upstream, requests } = recordingUpstream();

    const result = await newClient({ failureModeAllow: true }).run(getRequest(), upstream);

    assert.equal(requests.length, 1);
    assert.equal(result.responseCodeDetails, 'via_upstream');
  });

  test('server OK close mid-body passes the rest unmodified', async () => {
    server.reset((message, control) => {
      if (message.request !== 'response_body') {
        continueAll(message, control);
        return;
      }
      const bodies = control.record.messages.filter((entry) => entry.request === 'response_body');
      if (bodies.length === 1) {
        control.reply({ response_body: { response: { body_mutation: { body: Buffer.from('AAAA') } } } });
        return;
      }
      control.end();
    });
    const { upstream } = recordingUpstream({ body: Buffer.from('1234abcd') });
    const client = newClient({ processingMode: { response_body_mode: 'STREAMED' }, bodyChunkSize: 4 });

    const result = await client.run(getRequest(), upstream);

    assert.equal(result.downstreamResponse.body?.toString(), 'AAAAabcd');
    assert.deepEqual(result.grpcStatus, { code: 0, details: 'OK' });
    assert.equal(result.streamEnd.how, 'server');
    assert.equal(result.localReply, false);
  });

  test('default close resets the stream', async () => {
    server.reset(continueAll);
    const { upstream } = recordingUpstream();

    const result = await newClient().run(getRequest(), upstream);

    assert.equal(result.streamEnd.how, 'reset');
    await waitFor(() => server.streams[0]!.sawCancel);
  });

  test('graceful close half-closes and gets OK', async () => {
    server.reset(continueAll);
    const { upstream } = recordingUpstream();

    const result = await newClient({ closeMode: 'graceful' }).run(getRequest(), upstream);

    assert.equal(server.streams[0]!.sawEnd, true);
    assert.equal(result.streamEnd.how, 'half_close');
    assert.deepEqual(result.streamEnd.status, { code: 0, details: 'OK' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(server.streams[0]!.sawCancel, false, 'no reset follows a graceful close');
  });

  test('stream closes after the last needed reply', async () => {
    server.reset(continueAll);
    const { upstream } = recordingUpstream({}, 50);
    const client = newClient({ processingMode: { response_header_mode: 'SKIP' } });

    let upstreamCalledAfterCancel = false;
    const running = client.run(getRequest(), async (request) => {
      await waitFor(() => server.streams[0]?.sawCancel === true);
      upstreamCalledAfterCancel = true;
      return upstream(request);
    });
    const result = await running;

    assert.equal(upstreamCalledAfterCancel, true, 'the stream was reset before the upstream answered');
    assert.equal(result.responseCodeDetails, 'via_upstream');
  });
});

// ---- mode_override ---------------------------------------------------------

describe('mode_override', () => {
  function overrideOnRequestHeaders(modeOverride: ProcessingResponse['mode_override']): Script {
    return (message, control) => {
      if (message.request === 'request_headers') {
        control.reply({ request_headers: { response: {} }, mode_override: modeOverride });
        return;
      }
      continueAll(message, control);
    };
  }

  test('ignored without allowModeOverride', async () => {
    server.reset(overrideOnRequestHeaders({ response_header_mode: 2 }));
    const { upstream } = recordingUpstream();

    await newClient().run(getRequest(), upstream);

    assert.deepEqual(kinds(server.streams[0]), ['request_headers', 'response_headers']);
  });

  test('applied with allowModeOverride', async () => {
    server.reset(overrideOnRequestHeaders({ response_header_mode: 2 }));
    const { upstream } = recordingUpstream();

    await newClient({ allowModeOverride: true }).run(getRequest(), upstream);

    assert.deepEqual(kinds(server.streams[0]), ['request_headers']);
  });

  test('DEFAULT keeps configured header mode, body mode becomes NONE', async () => {
    server.reset(overrideOnRequestHeaders({ response_header_mode: 0 }));
    const { upstream } = recordingUpstream();
    const client = newClient({
      allowModeOverride: true,
      processingMode: { response_header_mode: 'SKIP', response_body_mode: 'BUFFERED' },
    });

    await client.run(getRequest(), upstream);

    assert.deepEqual(kinds(server.streams[0]), ['request_headers']);
  });

  test('without override the same config sends the response body', async () => {
    server.reset(continueAll);
    const { upstream } = recordingUpstream();
    const client = newClient({ processingMode: { response_header_mode: 'SKIP', response_body_mode: 'BUFFERED' } });

    await client.run(getRequest(), upstream);

    assert.deepEqual(kinds(server.streams[0]), ['request_headers', 'response_body']);
  });

  test('body modes are copied literally', async () => {
    server.reset(overrideOnRequestHeaders({ request_body_mode: 2 }));
    const { upstream } = recordingUpstream();
    const client = newClient({ allowModeOverride: true, processingMode: { response_header_mode: 'SKIP' } });

    await client.run(postRequest('abc'), upstream);

    assert.deepEqual(kinds(server.streams[0]), ['request_headers', 'request_body']);
  });

  test('allowedOverrideModes rejects a mode not listed', async () => {
    server.reset(overrideOnRequestHeaders({ response_header_mode: 2 }));
    const { upstream } = recordingUpstream();
    const client = newClient({
      allowModeOverride: true,
      allowedOverrideModes: [{ response_header_mode: 'SEND', response_body_mode: 'BUFFERED' }],
    });

    await client.run(getRequest(), upstream);

    assert.deepEqual(kinds(server.streams[0]), ['request_headers', 'response_headers']);
  });

  test('allowedOverrideModes accepts an exact match', async () => {
    server.reset(overrideOnRequestHeaders({ response_header_mode: 2 }));
    const { upstream } = recordingUpstream();
    const client = newClient({
      allowModeOverride: true,
      allowedOverrideModes: [{ response_header_mode: 'SKIP' }],
    });

    await client.run(getRequest(), upstream);

    assert.deepEqual(kinds(server.streams[0]), ['request_headers']);
  });

  test('ignored on a body reply', async () => {
    server.reset((message, control) => {
      if (message.request === 'request_body') {
        control.reply({ request_body: { response: {} }, mode_override: { response_header_mode: 2 } });
        return;
      }
      continueAll(message, control);
    });
    const { upstream } = recordingUpstream();
    const client = newClient({ allowModeOverride: true, processingMode: { request_body_mode: 'BUFFERED' } });

    await client.run(postRequest('abc'), upstream);

    assert.deepEqual(kinds(server.streams[0]), ['request_headers', 'request_body', 'response_headers']);
  });
});

// ---- other modes -----------------------------------------------------------

describe('observability, full duplex, metadata, connections', () => {
  test('observability mode sends without waiting and ignores replies', async () => {
    server.reset((_message, control) => control.reply({ immediate_response: { status: { code: 403 } } }));
    const { upstream, requests } = recordingUpstream();
    const client = newClient({
      observabilityMode: true,
      processingMode: { request_body_mode: 'STREAMED' },
      bodyChunkSize: 4,
    });

    const result = await client.run(postRequest('12345678'), upstream);

    assert.equal(result.responseCodeDetails, 'via_upstream');
    assert.equal(requests.length, 1);
    await waitFor(() => (server.streams[0]?.messages.length ?? 0) === 4);
    const messages = server.streams[0]!.messages;
    assert.deepEqual(kinds(server.streams[0]), ['request_headers', 'request_body', 'request_body', 'response_headers']);
    assert.ok(messages.every((message) => message.observability_mode === true));
    assert.ok(messages.every((message) => (message.protocol_config ?? null) === null));
  });

  test('FULL_DUPLEX_STREAMED forwards only what the server streams', async () => {
    server.reset((message, control) => {
      const record = control.record;
      if (message.request === 'request_trailers') {
        // Reply once everything arrived: headers, then the streamed body, then trailers.
        control.reply({ request_headers: { response: {} } });
        const received = record.messages
          .filter((entry) => entry.request === 'request_body')
          .map((entry) => Buffer.from(entry.request_body!.body!).toString())
          .join('');
        control.reply({
          request_body: {
            response: { body_mutation: { streamed_response: { body: Buffer.from(received.toUpperCase()), end_of_stream: true } } },
          },
        });
        control.reply({ request_trailers: {} });
        return;
      }
      if (message.request === 'response_headers') {
        continueAll(message, control);
      }
    });
    const { upstream, requests } = recordingUpstream();
    const client = newClient({
      processingMode: { request_body_mode: 'FULL_DUPLEX_STREAMED', request_trailer_mode: 'SEND' },
      bodyChunkSize: 3,
    });

    const result = await client.run(postRequest('abcdef', { trailers: [['x-t', '1']] }), upstream);

    assert.equal(result.responseCodeDetails, 'via_upstream');
    assert.deepEqual(kinds(server.streams[0]).slice(0, 4), ['request_headers', 'request_body', 'request_body', 'request_trailers']);
    assert.equal(requests[0]!.body?.toString(), 'ABCDEF');
  });

  test('plain body mutation in FULL_DUPLEX_STREAMED is spurious', async () => {
    server.reset((message, control) => {
      if (message.request === 'request_headers') {
        control.reply({ request_headers: { response: {} } });
      }
      if (message.request === 'request_body') {
        control.reply({ request_body: { response: { body_mutation: { body: Buffer.from('x') } } } });
      }
    });
    const { upstream } = recordingUpstream();
    const client = newClient({
      failureModeAllow: true,
      processingMode: { request_body_mode: 'FULL_DUPLEX_STREAMED', request_trailer_mode: 'SEND' },
    });

    const result = await client.run(postRequest('abc'), upstream);

    assert.equal(result.downstreamResponse.status, 500, 'fail-open does not apply once body was sent');
    assert.match(result.responseCodeDetails, /^spurious_message:_Normal_body_mutation/);
  });

  test('dynamic metadata keeps receiving namespaces only', async () => {
    server.reset((message, control) => {
      control.reply({
        ...emptyReply(message),
        dynamic_metadata: {
          fields: {
            ctxproc: { structValue: { fields: { [message.request!]: { boolValue: true } } } },
            other: { structValue: { fields: { dropped: { boolValue: true } } } },
          },
        },
      });
    });
    const { upstream } = recordingUpstream();

    const result = await newClient().run(getRequest(), upstream);

    assert.deepEqual(result.dynamicMetadata, { ctxproc: { request_headers: true, response_headers: true } });
  });

  test('connections spread streams over channels', async () => {
    server.reset(continueAll);
    const { upstream } = recordingUpstream();
    const client = newClient({ connections: 2 });

    await client.run(getRequest(), upstream);
    await client.run(getRequest(), upstream);

    assert.equal(server.streams.length, 2);
    assert.notEqual(server.streams[0]!.peer, server.streams[1]!.peer);
  });

  test('throwing upstream gives 503 through the response path', async () => {
    server.reset(continueAll);

    const result = await newClient().run(getRequest(), () => {
      throw new Error('connection refused');
    });

    assert.equal(result.downstreamResponse.status, 503);
    assert.equal(result.upstreamError, 'connection refused');
    assert.equal(result.responseCodeDetails, 'upstream_reset_before_response_started{remote_reset}');
    assert.deepEqual(kinds(server.streams[0]), ['request_headers', 'response_headers']);
  });
});
