// Asks a gRPC server for a service's health, as Envoy's gRPC health check does.
import { credentials, loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

interface HealthClient {
  Check(request: { service: string }, callback: (error: Error | null, reply: { status: string }) => void): void;
  close(): void;
}

/** Returns the serving status name (SERVING, NOT_SERVING, ...) that target reports for service. */
export function checkHealth(target: string, service: string): Promise<string> {
  const definition = loadPackageDefinition(loadSync(healthProtoPath, { keepCase: true, enums: String }));
  const Health = (definition.grpc as any).health.v1.Health as ServiceClientConstructor;
  const client = new Health(target, credentials.createInsecure()) as unknown as HealthClient;

  return new Promise((resolve, reject) => {
    client.Check({ service }, (error, reply) => {
      client.close();
      if (error) {
        reject(error);
        return;
      }
      resolve(reply.status);
    });
  });
}
