// Counts of ended streams read from a test service's metrics, for tests
// whose client cannot tell when the server has seen each stream end.
import type { TestService } from './service-harness.js';

/** Returns the streams the service counted as ended with end="completed". */
export async function completedStreams(service: TestService): Promise<number> {
  const values = (await service.service.metrics.streamsTotal.get()).values;
  return values.find((value) => value.labels.end === 'completed')?.value ?? 0;
}

/**
 * Waits up to 2 s until the service has counted `count` completed streams,
 * and returns the last count. A stream ends only when the client's reset
 * reaches the server, after the client has seen its last reply.
 */
export async function waitForCompletedStreams(service: TestService, count: number): Promise<number> {
  const deadline = Date.now() + 2000;
  let completed = await completedStreams(service);
  while (completed < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    completed = await completedStreams(service);
  }
  return completed;
}
