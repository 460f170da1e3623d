// Server-side request forgery: a URL or host pointing at cloud instance
// metadata or at the server itself. IPv4 literals are parsed the way
// inet_aton and URL parsers accept them (decimal, hex, octal, fewer than
// four parts, IPv4-mapped IPv6), because attackers pick the spelling a
// blocklist misses.
import { excerpt } from '../excerpt.js';
import type { ValueRule } from '../types.js';

const METADATA_HOSTS = /^(?:metadata(?:\.google\.internal|\.packet\.net|\.azure\.com|\.tencentyun\.com|\.platformequinix\.com)?|instance-data(?:\.ec2\.internal)?|metadata\.oraclecloud\.com|100\.100\.100\.200|169\.254\.169\.254|fd00:ec2::254|localhost|localtest\.me|0|0\.0\.0\.0|\[::\]|\[::1\]|ip6-localhost|kubernetes\.default(?:\.svc)?)$/i;
// A URL starts with a scheme or `//`, after a character that can end the
// text before it. The authority follows: optional userinfo ending in `@`,
// then the host, found by urlHost.
const URL_START = /(?:^|[\s=;'"(])(?:(?:https?|gopher|dict|ftp|file|ldap|tftp|jar|netdoc|sftp)\s*:\s*(?:\/\/)?|\/\/)/gi;
const USERINFO_END = /[@/\s?#]/g;
const BRACKETED_HOST = /\[[^\]\s]*\]?/y;
const HOST = /[^/\s?#:'"]+/y;

/**
 * Returns the metadata or loopback target in `text`, or null. Only hosts
 * inside a URL count. A value that is only an address, such as `10.0.0.7`
 * or `[::ffff:a9fe:a9fe]`, is often a form field that contains an address,
 * and an application that fetches it adds its own scheme.
 */
export function detectSsrf(text: string): string | null {
  const url = urlHost(text);
  if (url === null || url.host.length > 64) {
    return null;
  }
  if (METADATA_HOSTS.test(url.host) || isInternalAddress(url.host)) {
    return excerpt(text, url.index);
  }
  return null;
}

/**
 * Returns the host of the first URL in `text` that has one, and where that
 * URL starts, or null. Userinfo runs from the authority to an `@` met
 * before any `/`, blank, `?` or `#`. That stop is found once for all URL
 * starts before it, since one pattern doing both read the rest of the text
 * from each start, 6 ms for 8 KiB of `'file:`.
 */
function urlHost(text: string): { index: number; host: string } | null {
  let stop = -1;
  URL_START.lastIndex = 0;
  for (let start = URL_START.exec(text); start !== null; start = URL_START.exec(text)) {
    const authority = start.index + start[0].length;
    if (stop < authority) {
      USERINFO_END.lastIndex = authority;
      stop = USERINFO_END.exec(text)?.index ?? text.length;
    }

    const host = (text[stop] === '@' ? hostAt(text, stop + 1) : null) ?? hostAt(text, authority);
    if (host !== null) {
      return { index: start.index, host };
    }
    URL_START.lastIndex = start.index + 1;
  }
  return null;
}

function hostAt(text: string, position: number): string | null {
  const pattern = text[position] === '[' ? BRACKETED_HOST : HOST;
  pattern.lastIndex = position;
  return pattern.exec(text)?.[0] ?? null;
}

// Cloud metadata addresses always count: 169.254.169.254 (AWS, GCP, Azure,
// OpenStack) and 169.254.170.2 (AWS ECS task credentials). The rest of
// 169.254.0.0/16 is autoconfiguration that no metadata service listens on.
// Loopback and private ranges count too, since the host is in a URL.
function isInternalAddress(host: string): boolean {
  const address = parseIpv4(host) ?? parseMappedIpv6(host);
  if (address === null) {
    return false;
  }
  const first = address >>> 24;
  const second = (address >>> 16) & 0xff;
  const metadata = address === METADATA_ADDRESS || address === ECS_METADATA_ADDRESS;
  const loopback = first === 127;
  const privateRange = first === 10 || (first === 172 && second >= 16 && second < 32) || (first === 192 && second === 168) || (first === 192 && second === 0 && ((address >>> 8) & 0xff) === 0);
  return metadata || loopback || privateRange;
}

const METADATA_ADDRESS = 0xa9fea9fe;
const ECS_METADATA_ADDRESS = 0xa9feaa02;

/** Parses an IPv4 literal as inet_aton does; returns it as an unsigned 32-bit number, or null. */
export function parseIpv4(host: string): number | null {
  const parts = host.split('.');
  if (parts.length > 4 || parts.some((part) => part === '')) {
    return null;
  }
  const numbers: number[] = [];
  for (const part of parts) {
    const value = parseIpv4Part(part);
    if (value === null) {
      return null;
    }
    numbers.push(value);
  }

  // The last part fills the remaining bytes: a.b.c.d, a.b.cd, a.bcd, abcd.
  // A part too large for its bytes makes the literal invalid, as in inet_aton.
  const last = numbers.pop()!;
  if (numbers.some((value) => value > 0xff) || last >= 2 ** (8 * (4 - numbers.length))) {
    return null;
  }
  let address = 0;
  numbers.forEach((value, index) => {
    address += value * 2 ** (8 * (3 - index));
  });
  return (address + last) >>> 0;
}

function parseIpv4Part(part: string): number | null {
  let value: number;
  // inet_aton and the WHATWG URL parser reject a part above 32 bits rather
  // than truncate it, so `0x41414141A9FEA9FE` names no address.
  if (/^0x[0-9a-f]+$/i.test(part)) {
    value = part.length > 10 ? Number.NaN : parseInt(part, 16);
  } else if (/^0[0-7]+$/.test(part)) {
    value = parseInt(part, 8);
  } else if (/^\d+$/.test(part)) {
    value = Number(part);
  } else {
    return null;
  }
  return Number.isSafeInteger(value) && value <= 0xffffffff ? value : null;
}

function parseMappedIpv6(host: string): number | null {
  const inner = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (inner === '::1' || inner === '0:0:0:0:0:0:0:1') {
    return 0x7f000001;
  }
  const mapped = /^[0:]*:ffff:(?:(\d{1,3}(?:\.\d{1,3}){3})|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/.exec(inner);
  if (mapped === null) {
    return null;
  }
  if (mapped[1] !== undefined) {
    return parseIpv4(mapped[1]);
  }
  return ((parseInt(mapped[2]!, 16) << 16) | parseInt(mapped[3]!, 16)) >>> 0;
}

// Referer and Origin name the site itself, often on loopback behind a proxy, so headers are not inspected.
export const ssrfRules: ValueRule[] = [{ class: 'ssrf', detector: 'ssrf.internal_host', test: detectSsrf, parametersOnly: true }];
