// Turns a 32-bit seed into one fuzz case: a sequence of raw ProcessingRequest
// messages for one Process stream and the way the stream ends. A case starts
// from the phases Envoy would send for a random processing mode, then
// reorders, duplicates, drops, truncates, corrupts, enlarges or replaces
// messages, at the object level and at the byte level.
import { ProcessingRequestType, encodeObject, randomMessage } from './messages.js';
import { Random } from './random.js';

/** How the client ends the stream once the messages are written. */
export type CaseEnd = 'half_close' | 'cancel' | 'cancel_early' | 'half_close_early';

export interface FuzzCase {
  seed: number;
  messages: Buffer[];
  /** Wait for a reply (or the status) after each message, as Envoy does, or write them all at once. */
  awaitReplies: boolean;
  end: CaseEnd;
  /** Names of the mutations applied, for the report of a failing case. */
  mutations: string[];
}

export interface CaseLimits {
  /** The server's --max-message-bytes: oversized messages go just over it. */
  maxMessageBytes: number;
}

type Phase = 'request_headers' | 'request_body' | 'request_trailers' | 'response_headers' | 'response_body' | 'response_trailers';

/** Builds the case for `seed`; the same seed and limits give the same bytes. */
export function buildCase(seed: number, limits: CaseLimits): FuzzCase {
  const random = new Random(seed);
  const mutations: string[] = [];
  let objects = envoySequence(random);

  const objectMutations = random.chance(0.25) ? 0 : 1 + random.below(3);
  for (let i = 0; i < objectMutations; i += 1) {
    objects = mutateSequence(objects, random, mutations);
  }

  const messages = objects.map((object) => encodeObject(object));
  const byteMutations = random.chance(0.6) ? 0 : 1 + random.below(2);
  for (let i = 0; i < byteMutations && messages.length > 0; i += 1) {
    mutateBytes(messages, random, limits, mutations);
  }

  return {
    seed,
    messages,
    awaitReplies: random.chance(0.5),
    end: random.pick(['half_close', 'half_close', 'half_close', 'cancel', 'cancel_early', 'half_close_early'] as const),
    mutations,
  };
}

/** Builds the messages Envoy sends for one transaction under a random processing mode. */
function envoySequence(random: Random): Array<Record<string, unknown>> {
  const sequence: Array<Record<string, unknown>> = [];
  const requestBody = random.chance(0.4);
  const requestTrailers = random.chance(0.15);
  const responseBody = random.chance(0.3);
  const responseTrailers = random.chance(0.1);

  sequence.push(headers('request_headers', requestHeaderList(random), !requestBody && !requestTrailers));
  if (requestBody) {
    sequence.push(...bodyChunks('request_body', random, !requestTrailers));
  }
  if (requestTrailers) {
    sequence.push({ request_trailers: { trailers: { headers: [{ key: 'x-checksum', raw_value: Buffer.from('1') }] } } });
  }
  if (random.chance(0.9)) {
    sequence.push(headers('response_headers', [[':status', random.pick(['200', '404', '500', '301'])], ['content-type', 'application/json']], !responseBody && !responseTrailers));
  }
  if (responseBody) {
    sequence.push(...bodyChunks('response_body', random, !responseTrailers));
  }
  if (responseTrailers) {
    sequence.push({ response_trailers: { trailers: { headers: [{ key: 'grpc-status', raw_value: Buffer.from('0') }] } } });
  }

  decorateFirst(sequence[0]!, random);
  return sequence;
}

function requestHeaderList(random: Random): Array<[string, string]> {
  const list: Array<[string, string]> = [
    [':method', random.pick(['GET', 'POST', 'PUT', 'CONNECT', 'X'])],
    [':path', random.pick(['/', '/orders/7?token=abc', '/a/../b', '*', ''])],
    [':authority', 'shop.example'],
    [':scheme', random.pick(['http', 'https'])],
    ['content-type', random.pick(['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/xml'])],
  ];
  if (random.chance(0.5)) {
    list.push(['authorization', 'Bearer abc.def.ghi'], ['cookie', 'session=s3cr3t']);
  }
  return list;
}

function headers(phase: Phase, list: Array<[string, string]>, endOfStream: boolean): Record<string, unknown> {
  return { [phase]: { headers: { headers: list.map(([key, value]) => ({ key, raw_value: Buffer.from(value) })) }, end_of_stream: endOfStream } };
}

/** Body chunks whose content reaches the JSON, form and XML readers of the redactor. */
function bodyChunks(phase: Phase, random: Random, lastEnds: boolean): Array<Record<string, unknown>> {
  const body = Buffer.from(random.pick([
    '{"password":"hunter2","card":"4111 1111 1111 1111","nested":{"token":"x"}}',
    'user=a&password=b&token=c',
    '<a><password>p</password></a>',
    '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
    '--x\r\nContent-Disposition: form-data; name="password"\r\n\r\nsecret\r\n--x--\r\n',
    '',
  ]));
  const chunks = 1 + random.below(3);
  const size = Math.ceil(body.length / chunks);
  return Array.from({ length: chunks }, (_, i) => ({
    [phase]: { body: body.subarray(i * size, (i + 1) * size), end_of_stream: lastEnds && i === chunks - 1 },
  }));
}

/** Envoy puts attributes and protocol_config on the first message of a stream. */
function decorateFirst(message: Record<string, unknown>, random: Random): void {
  if (random.chance(0.5)) {
    message.attributes = { 'envoy.filters.http.ext_proc': { fields: { 'source.address': { stringValue: '10.0.0.1:5000' }, 'request.id': { stringValue: 'id-1' } } } };
  }
  if (random.chance(0.3)) {
    message.protocol_config = { request_body_mode: random.below(6), response_body_mode: random.below(6), send_body_without_waiting_for_header_response: random.chance(0.5) };
  }
  if (random.chance(0.1)) {
    message.observability_mode = true;
  }
}

function mutateSequence(sequence: Array<Record<string, unknown>>, random: Random, mutations: string[]): Array<Record<string, unknown>> {
  const copy = [...sequence];
  const at = random.below(copy.length);
  const kind = random.pick(['swap', 'duplicate', 'drop', 'insert_random', 'replace_random', 'truncate', 'many_headers', 'huge_header'] as const);
  mutations.push(kind);

  switch (kind) {
    case 'swap': {
      const other = random.below(copy.length);
      if (copy.length > 1) {
        [copy[at], copy[other]] = [copy[other]!, copy[at]!];
      }
      return copy;
    }
    case 'duplicate':
      copy.splice(at, 0, copy[at] ?? {});
      return copy;
    case 'drop':
      copy.splice(at, 1);
      return copy;
    case 'insert_random':
      copy.splice(at, 0, randomMessage(ProcessingRequestType, random));
      return copy;
    case 'replace_random':
      copy[at] = randomMessage(ProcessingRequestType, random);
      return copy;
    case 'truncate':
      return copy.slice(0, at);
    case 'many_headers':
      copy[at] = headers(random.pick(['request_headers', 'response_headers']), Array.from({ length: 1 + random.length(10_000) }, (_, i) => [`x-h${i}`, 'v']), random.chance(0.5));
      return copy;
    case 'huge_header':
      copy[at] = headers('request_headers', [[':path', '/'], ['x-big', 'a'.repeat(1 + random.length(2 * 1024 * 1024))]], random.chance(0.5));
      return copy;
  }
}

/**
 * Encodes attributes["deep"] as a google.protobuf.Struct nested `depth`
 * levels deep, straight to wire bytes, because protobufjs 7.6 refuses to
 * encode past 100 levels (util.recursionLimit). Each level is a prefix of the
 * next (a Struct.fields entry "n" and a Value.struct_value), so the lengths
 * are computed from the inside out and the prefixes joined once.
 */
export function deepAttributes(depth: number): Buffer {
  const prefixes: Buffer[] = [];
  let structLength = 0;

  for (let i = 0; i < depth; i += 1) {
    const valueLength = 1 + varintLength(structLength) + structLength;
    const entryLength = 4 + varintLength(valueLength) + valueLength;
    prefixes.push(Buffer.concat([
      Buffer.from([0x0a]), varint(entryLength),
      Buffer.from([0x0a, 0x01, 0x6e, 0x12]), varint(valueLength),
      Buffer.from([0x2a]), varint(structLength),
    ]));
    structLength = 1 + varintLength(entryLength) + entryLength;
  }

  const key = Buffer.from([0x0a, 0x04, ...Buffer.from('deep'), 0x12]);
  const attributeEntryLength = key.length + varintLength(structLength) + structLength;
  return Buffer.concat([Buffer.from([0x4a]), varint(attributeEntryLength), key, varint(structLength), ...prefixes.reverse()]);
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function varintLength(value: number): number {
  return varint(value).length;
}

function mutateBytes(messages: Buffer[], random: Random, limits: CaseLimits, mutations: string[]): void {
  const at = random.below(messages.length);
  const original = messages[at]!;
  const kind = random.pick(['cut', 'flip', 'insert', 'append', 'random', 'splice', 'bad_length', 'oversized', 'deep_struct'] as const);
  mutations.push(`bytes_${kind}`);

  switch (kind) {
    case 'cut':
      messages[at] = original.subarray(0, random.below(original.length + 1));
      return;
    case 'flip': {
      const flipped = Buffer.from(original);
      const flips = 1 + random.below(8);
      for (let i = 0; i < flips && flipped.length > 0; i += 1) {
        flipped[random.below(flipped.length)]! ^= 1 << random.below(8);
      }
      messages[at] = flipped;
      return;
    }
    case 'insert': {
      const position = random.below(original.length + 1);
      messages[at] = Buffer.concat([original.subarray(0, position), random.bytes(1 + random.below(16)), original.subarray(position)]);
      return;
    }
    case 'append':
      messages[at] = Buffer.concat([original, random.bytes(1 + random.below(32))]);
      return;
    case 'random':
      messages[at] = random.bytes(random.length(512));
      return;
    case 'splice': {
      const other = messages[random.below(messages.length)]!;
      messages[at] = Buffer.concat([original.subarray(0, random.below(original.length + 1)), other.subarray(random.below(other.length + 1))]);
      return;
    }
    case 'bad_length':
      // Field 4 (request_body), length-delimited, claiming far more bytes than follow.
      messages[at] = Buffer.concat([original, Buffer.from([0x22, 0xff, 0xff, 0xff, 0x7f, 0x01])]);
      return;
    case 'oversized':
      messages[at] = encodeObject({ request_body: { body: Buffer.alloc(limits.maxMessageBytes + 1 + random.below(1024), 0x61), end_of_stream: true } });
      return;
    case 'deep_struct':
      // Protobuf lets a message repeat a map field, so this adds one entry to the message's attributes.
      messages[at] = Buffer.concat([original, deepAttributes(1 + random.length(100_000))]);
      return;
  }
}
