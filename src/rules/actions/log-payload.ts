// log_payload: attaches what the attack detectors matched to the event: the
// class, the detector, where the value was found and the matched text with
// the context the detector kept around it. The text is redacted and then cut
// to max_bytes when the event is built. It requests an event, like log.
//
// Arguments: max_bytes (UTF-8 bytes of matched text per detection, default
// 256, at most 4096), classes (attack classes to attach, such as sqli or xss;
// default all).
//
// Example:
//   - log_payload: { max_bytes: 128, classes: [sqli, xss] }
import { Phase } from '../../model/phase.js';
import { ensureLog, type Detection, type TransactionRecord } from '../../model/record.js';
import type { ActionContext, ActionDefinition, CompiledAction } from '../types.js';

const DEFAULT_MAX_BYTES = 256;

/** Detections attached to one event at most, so an input full of attacks cannot blow up the event. */
export const MAX_PAYLOADS = 16;

export const logPayloadAction: ActionDefinition<'log_payload'> = {
  name: 'log_payload',

  compile(args) {
    const maxBytes = args.max_bytes ?? DEFAULT_MAX_BYTES;
    const classes = args.classes === undefined ? null : new Set(args.classes);
    const action: CompiledAction = {
      name: 'log_payload',
      // The detectors read the request body, so the rule waits for it.
      need: { phase: Phase.RequestBody, attribute: 'detections' },
      effect: null,
      apply(context) {
        ensureLog(context.record);
        for (const detection of detectionsOf(context)) {
          if (classes === null || classes.has(detection.class)) {
            addPayload(context.record, context.rule, detection, maxBytes);
          }
        }
      },
    };
    return action;
  },
};

/**
 * Returns the detections of the transaction: the request-side `detections`
 * and the response-side `response.detections` that the activation computes,
 * and any the record already holds. The activation exposes each as a CEL map.
 */
function detectionsOf(context: ActionContext): Detection[] {
  const activation = context.activation as unknown as { detections?: unknown; response?: { detections?: unknown } };
  return [
    ...asDetections(activation.detections),
    ...asDetections(activation.response?.detections),
    ...context.record.detections,
  ];
}

function asDetections(list: unknown): Detection[] {
  if (!Array.isArray(list)) {
    return [];
  }
  return list.map((entry: unknown) => {
    const read = (name: keyof Detection): string => String((entry instanceof Map ? entry.get(name) : (entry as Record<string, unknown>)[name]) ?? '');
    return { class: read('class'), detector: read('detector'), location: read('location'), matched: read('matched') };
  });
}

function addPayload(record: TransactionRecord, rule: string, detection: Detection, maxBytes: number): void {
  if (record.payloads.length >= MAX_PAYLOADS) {
    return;
  }
  const duplicate = record.payloads.some((payload) =>
    payload.class === detection.class && payload.detector === detection.detector && payload.location === detection.location && payload.matched === detection.matched);
  if (duplicate) {
    return;
  }
  record.payloads.push({ rule, class: detection.class, detector: detection.detector, location: detection.location, matched: detection.matched, maxBytes });
}
