// The requests the detection benchmarks time: a typical request of about
// 1 KB (browser headers, a query, a cookie and a JSON order body, no
// attack) and the same request carrying a SQL injection, and the timing
// loop they share.
import type { Exchange, HeaderList } from '../../src/model/exchange.js';

/** Calls per timed round and rounds per request; fixed so the run takes a few seconds. */
const ITERATIONS = 5_000;
const ROUNDS = 5;
const WARMUP = 2_000;

const BROWSER_HEADERS: HeaderList = [
  ['host', 'shop.example.com'],
  ['user-agent', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15'],
  ['accept', 'application/json, text/plain, */*'],
  ['accept-language', 'en-GB,en;q=0.9'],
  ['accept-encoding', 'gzip, deflate, br'],
  ['referer', 'https://shop.example.com/cart?step=2&coupon=WINTER24'],
  ['origin', 'https://shop.example.com'],
  ['content-type', 'application/json'],
  ['cookie', 'sid=7f3c9a1e5b2d4f6a8c0e1b3d5f7a9c1e; theme=dark; consent=analytics%2Cads'],
  ['x-request-id', '0d6f3c2e-8b1a-4e5f-9c7d-2a4b6c8e0f1a'],
];

const ORDER = {
  customer: { name: "Anne-Marie O'Neil", email: 'anne.oneil@example.com', phone: '+44 20 7946 0958' },
  shipping: { street: '221B Baker Street', city: 'London', postcode: 'NW1 6XE', country: 'GB', notes: 'Leave with the porter, or at the back door if closed.' },
  items: [
    { sku: 'TSHIRT-RED-M', quantity: 2, price: 19.99 },
    { sku: 'MUG-BLUE', quantity: 1, price: 8.5 },
  ],
  payment: { method: 'card', token: 'tok_1NsY2kL9xQ' },
};

function exchange(query: string, body: string): Exchange {
  const bytes = Buffer.from(body);
  return {
    id: 'bench',
    startTimeMs: 0,
    startNs: 0n,
    endNs: null,
    request: {
      method: 'POST',
      path: `/api/v2/orders?${query}`,
      url_path: '/api/v2/orders',
      query,
      host: 'shop.example.com',
      scheme: 'https',
      headers: BROWSER_HEADERS,
      body: { bytes, size: bytes.length, truncated: false, complete: true },
      trailers: null,
    },
    response: null,
    source: null,
    destination: null,
    attributes: {},
  };
}

/**
 * Returns the microseconds of process CPU time one call of `run` takes, the
 * fastest of ROUNDS timed rounds, because on a shared machine other
 * processes only add time.
 */
export function cpuMicrosecondsPerCall(run: () => void): number {
  for (let index = 0; index < WARMUP; index++) {
    run();
  }
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage();
    for (let index = 0; index < ITERATIONS; index++) {
      run();
    }
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / ITERATIONS);
  }
  return best;
}

/** The typical request: no attack. */
export const TYPICAL = exchange('lang=en&currency=GBP&utm_source=newsletter&page=3', JSON.stringify(ORDER));
/** The typical request with a SQL injection in the query. */
export const ATTACK = exchange("lang=en&id=1'%20UNION%20SELECT%20card,cvv%20FROM%20payments--", JSON.stringify(ORDER));

/** Bytes of path, headers and body, as a rough size on the wire. */
export function requestSize(subject: Exchange): number {
  const request = subject.request!;
  return request.path.length + request.headers.reduce((sum, [name, value]) => sum + name.length + value.length + 4, 0) + (request.body?.size ?? 0);
}
