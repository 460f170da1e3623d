// Client and server addresses of a transaction, from Envoy's attributes or,
// failing those, from forwarding headers.
import { isIP } from 'node:net';
import type { Endpoint, HeaderList } from '../model/exchange.js';
import { headerValue } from './headers.js';

/**
 * Parses Envoy's `source.address` attribute, which is "ip:port" (or
 * "[v6]:port"), with `source.port` as a separate integer attribute.
 */
export function endpointFromAttributes(address: unknown, port: unknown): Endpoint | null {
  if (typeof address !== 'string' || address === '') {
    return null;
  }
  return parseEndpoint(address, Number(port ?? 0));
}

/**
 * Splits "ip", "ip:port" or "[v6]:port" and returns null unless the address
 * is an IPv4 or IPv6 literal: anything else (a forged header, a pipe name)
 * must not be reported as the client's IP.
 */
function parseEndpoint(text: string, defaultPort: number): Endpoint | null {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  let host = text;
  let port = defaultPort;
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2] === undefined ? defaultPort : Number(bracketed[2]);
  } else {
    const lastColon = text.lastIndexOf(':');
    const isHostPort = lastColon > 0 && text.indexOf(':') === lastColon && /^\d+$/.test(text.slice(lastColon + 1));
    if (isHostPort) {
      host = text.slice(0, lastColon);
      port = Number(text.slice(lastColon + 1));
    }
  }

  if (isIP(host) === 0) {
    return null;
  }
  return { address: host, port: Number.isInteger(port) && port >= 0 && port <= 65535 ? port : 0 };
}

/**
 * Without Envoy's source attributes, the client is the first address of
 * x-forwarded-for, else x-envoy-external-address. Both can be forged by the
 * client unless Envoy sanitises them, so configure `source.address` in the
 * filter's request_attributes for trustworthy events.
 */
export function sourceFromHeaders(headers: HeaderList): Endpoint | null {
  const forwarded = headerValue(headers, 'x-forwarded-for');
  const first = forwarded?.split(',')[0]?.trim();
  const fromForwarded = first ? parseEndpoint(first, 0) : null;
  if (fromForwarded) {
    return fromForwarded;
  }
  const external = headerValue(headers, 'x-envoy-external-address')?.trim();
  return external ? parseEndpoint(external, 0) : null;
}
