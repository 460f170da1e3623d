// The names of the gRPC transports, in a module without imports, so that
// the settings table can list them without importing the transports.
export const TRANSPORTS = ['grpc-js', 'http2'] as const;

export type TransportName = (typeof TRANSPORTS)[number];
