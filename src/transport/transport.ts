// The gRPC transport the service runs on: grpc-js (the default) or the lean
// node:http2 transport. Both serve ExternalProcessor/Process with the same
// handler and the gRPC health check.
import type { GrpcServerOptions } from './grpc-server.js';
import { setServing, startGrpcServer } from './grpc-server.js';
import { startHttp2Transport } from './http2-server.js';

import type { TransportName } from './transport-names.js';

export { TRANSPORTS, type TransportName } from './transport-names.js';

export interface RunningTransport {
  /** The port actually bound (useful when the address asked for port 0). */
  port: number;
  /** Marks the server SERVING or NOT_SERVING for Envoy's gRPC health checks. */
  setServing(serving: boolean): void;
  /** Stops accepting streams and calls back once the open ones have ended. */
  tryShutdown(callback: () => void): void;
  /** Ends every open stream at once. */
  forceShutdown(): void;
}

/** Creates, binds and starts the server of the named transport. */
export async function startTransport(name: TransportName, options: GrpcServerOptions): Promise<RunningTransport> {
  if (name === 'http2') {
    return startHttp2Transport(options);
  }
  const { server, health, port } = await startGrpcServer(options);
  return {
    port,
    setServing: (serving) => setServing(health, serving),
    tryShutdown: (callback) => server.tryShutdown(() => callback()),
    forceShutdown: () => server.forceShutdown(),
  };
}
