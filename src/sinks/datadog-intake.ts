// Sends one batch of event lines to Datadog's HTTP logs intake v2
// (POST /api/v2/logs): a JSON array, gzip-compressed, with the API key in
// the DD-API-KEY header. The key is never logged or placed in an error.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

export interface IntakeOptions {
  /** Full intake URL, for example https://http-intake.logs.datadoghq.com/api/v2/logs. */
  url: string;
  apiKey: string;
  /** `ddsource` of every entry, which picks Datadog's log pipeline. */
  source: string;
  /** `ddtags` query parameter, comma-separated key:value pairs; empty for none. */
  tags: string;
  /** Time allowed for one request, in milliseconds. */
  timeoutMs: number;
}

export type IntakeResult =
  | { kind: 'status'; status: number; retryAfter: string | null }
  | { kind: 'network'; message: string };

/** Returns the intake URL of a Datadog site, such as datadoghq.com or datadoghq.eu. */
export function intakeUrlForSite(site: string): string {
  return `https://http-intake.logs.${site}/api/v2/logs`;
}

/** Builds the request body: each line gains a `ddsource` key, and the lines form one JSON array. */
export function intakeBody(lines: readonly string[], source: string): string {
  const prefix = `{"ddsource":${JSON.stringify(source)},`;
  return `[${lines.map((line) => (line.startsWith('{') ? prefix + line.slice(1) : line)).join(',')}]`;
}

/** Posts one batch; resolves with the reply status or the network error, never rejects. */
export async function postBatch(lines: readonly string[], options: IntakeOptions, signal: AbortSignal): Promise<IntakeResult> {
  const body = await gzipAsync(intakeBody(lines, options.source));
  const url = options.tags === '' ? options.url : `${options.url}?ddtags=${encodeURIComponent(options.tags)}`;

  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'dd-api-key': options.apiKey,
      },
      body,
      signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
    });
    // Read the reply to its end so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    return { kind: 'status', status: response.status, retryAfter: response.headers.get('retry-after') };
  } catch (error) {
    return { kind: 'network', message: describeNetworkError(error) };
  }
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code !== undefined) {
    return `${(error as Error).message} (${cause.code})`;
  }
  return (error as Error).message;
}
