// CIDR ranges and address membership for IPv4 and IPv6, without a DNS or
// socket call: node:net only validates the text. An IPv4-mapped IPv6
// address (::ffff:192.0.2.1) matches IPv4 ranges, because Envoy reports a
// dual-stack listener's IPv4 peers in that form.
import { isIPv4, isIPv6 } from 'node:net';

/** A parsed range: the address family, its network bits and the prefix length. */
export interface CidrRange {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

/** Parses "a.b.c.d/n" or "x:y::/n"; returns a message when text is not a valid CIDR range. */
export function parseCidr(text: string): CidrRange | string {
  const slash = text.indexOf('/');
  if (slash < 0) {
    return `'${text}' is not a CIDR range; write an address and a prefix length, such as 10.0.0.0/8 or 2001:db8::/32`;
  }

  const address = addressBits(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === null) {
    return `'${text}' has an invalid address before the '/'`;
  }

  const width = address.family === 4 ? 32 : 128;
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= width)) {
    return `'${text}' has an invalid prefix length; IPv${address.family} allows 0 to ${width}`;
  }
  return { family: address.family, network: address.bits & mask(prefix, width), prefix };
}

function mask(prefix: number, width: number): bigint {
  const all = (1n << BigInt(width)) - 1n;
  return prefix === 0 ? 0n : (all >> BigInt(width - prefix)) << BigInt(width - prefix);
}

/** Returns true when address (IPv4 or IPv6 text) is inside range; false for text that is no address. */
export function cidrContains(range: CidrRange, address: string): boolean {
  const parsed = addressBits(address);
  if (parsed === null) {
    return false;
  }

  const width = range.family === 4 ? 32 : 128;
  const bits = parsed.family === range.family ? parsed.bits : mappedIPv4(parsed, range.family);
  return bits !== null && (bits & mask(range.prefix, width)) === range.network;
}

/** Returns the IPv4 bits of an IPv4-mapped IPv6 address when range is IPv4; null otherwise. */
function mappedIPv4(parsed: { family: 4 | 6; bits: bigint }, family: 4 | 6): bigint | null {
  const isMapped = parsed.family === 6 && family === 4 && parsed.bits >> 32n === 0xffffn;
  return isMapped ? parsed.bits & 0xffffffffn : null;
}

function addressBits(text: string): { family: 4 | 6; bits: bigint } | null {
  if (isIPv4(text)) {
    return { family: 4, bits: ipv4Bits(text) };
  }
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return isIPv6(bare) ? { family: 6, bits: ipv6Bits(bare) } : null;
}

function ipv4Bits(text: string): bigint {
  return text.split('.').reduce((bits, part) => (bits << 8n) | BigInt(Number(part)), 0n);
}

/** Converts validated IPv6 text, including :: and a trailing dotted IPv4 part, to 128 bits. */
function ipv6Bits(text: string): bigint {
  const withoutZone = text.split('%')[0] as string;
  let groups = withoutZone;
  const lastColon = groups.lastIndexOf(':');
  const tail = groups.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4Bits(tail);
    groups = `${groups.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }

  const [head, rest] = groups.split('::') as [string, string | undefined];
  const headParts = head === '' ? [] : head.split(':');
  const restParts = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? 0 : 8 - headParts.length - restParts.length;
  const parts = [...headParts, ...Array<string>(zeros).fill('0'), ...restParts];
  return parts.reduce((bits, part) => (bits << 16n) | BigInt(parseInt(part, 16)), 0n);
}
