// A Datadog logs intake stand-in on 127.0.0.1: it decompresses each POST
// body, records the entries of every request, and replies with the status
// a test scripts for it. Only entries of 2xx replies count as accepted.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface IntakeRequest {
  status: number;
  headers: IncomingMessage['headers'];
  url: string;
  /** Decompressed body as sent. */
  body: string;
  entries: Array<Record<string, any>>;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
}

export class FakeIntake {
  readonly requests: IntakeRequest[] = [];
  /** Chooses the reply of each request; the default accepts everything. */
  reply: (request: IntakeRequest) => Reply = () => ({ status: 202 });
  /** When true, requests stay open without a reply, as with a hung intake. */
  hang = false;
  #server: Server | null = null;
  #held: ServerResponse[] = [];
  port = 0;

  /** Requests received and held open while `hang` is true. */
  get heldCount(): number {
    return this.#held.length;
  }

  /** Entries of every request that got a 2xx reply, in arrival order. */
  get accepted(): Array<Record<string, any>> {
    return this.requests.filter((request) => request.status >= 200 && request.status < 300).flatMap((request) => request.entries);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/api/v2/logs`;
  }

  /** Starts listening on `port` (0 for any free port); a restart passes the earlier port. */
  async start(port = 0): Promise<void> {
    const server = createServer((request, response) => this.#handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Stops listening and drops every open connection, as a crashed intake would. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const response of this.#held) {
      response.destroy();
    }
    this.#held = [];
    if (server !== null) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (this.hang) {
        this.#held.push(response);
        return;
      }
      const raw = Buffer.concat(chunks);
      const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
      const recorded: IntakeRequest = { status: 0, headers: request.headers, url: request.url ?? '', body, entries: JSON.parse(body) as Array<Record<string, any>> };
      const reply = this.reply(recorded);
      recorded.status = reply.status;
      this.requests.push(recorded);
      response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      response.end('{}');
    });
  }
}
