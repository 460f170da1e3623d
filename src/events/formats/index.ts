// The formats a sink can write, each a mapping from the one internal event
// model (the Datadog-shaped SecurityEvent) to a JSON line.
import type { SecurityEvent } from '../security-event.js';
import { createDatadogSerializer } from './datadog.js';
import { toEcs } from './ecs.js';
import { toOcsf } from './ocsf.js';

export const EVENT_FORMATS = ['datadog', 'ocsf', 'ecs'] as const;

export type EventFormat = (typeof EVENT_FORMATS)[number];

/**
 * Creates a function that returns one event as a JSON line in `format`. OCSF
 * and ECS start from the Datadog line, parsed back, so that the emitter's
 * second net over credential headers has run on what they map.
 */
export function createFormatter(format: EventFormat): (event: SecurityEvent) => string {
  const datadog = createDatadogSerializer();
  if (format === 'datadog') {
    return datadog;
  }

  const map = format === 'ocsf' ? toOcsf : toEcs;
  return (event) => JSON.stringify(map(JSON.parse(datadog(event)) as SecurityEvent));
}
