// Client and server addresses of a transaction, from Envoy's attributes or,
// failing those, from forwarding headers.
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

  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(address);
  if (bracketed) {
    return { address: bracketed[1]!, port: Number(bracketed[2]) };
  }
  const lastColon = address.lastIndexOf(':');
  const isHostPort = lastColon > 0 && address.indexOf(':') === lastColon && /^\d+$/.test(address.slice(lastColon + 1));
  const host = isHostPort ? address.slice(0, lastColon) : address;
  const parsedPort = isHostPort ? Number(address.slice(lastColon + 1)) : Number(port ?? 0);
  return { address: host, port: Number.isFinite(parsedPort) ? parsedPort : 0 };
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
  const address = first || headerValue(headers, 'x-envoy-external-address')?.trim();
  return address ? { address, port: 0 } : null;
}
