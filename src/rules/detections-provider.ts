// Detections as CEL reads them: the detection engine's findings, each turned
// into a map with exactly the four documented string fields, so a condition
// such as detections.exists(d, d.class == 'sqli') reads a stable shape.
import { detectRequest, detectResponse } from '../detection/index.js';
import type { Exchange } from '../model/exchange.js';

/** One detection as a CEL map<string, string>. */
export type DetectionMap = Map<string, string>;

function toMaps(detections: ReadonlyArray<{ class: string; detector: string; location: string; matched: string }>): DetectionMap[] {
  return detections.map((detection) => new Map([
    ['class', detection.class],
    ['detector', detection.detector],
    ['location', detection.location],
    ['matched', detection.matched],
  ]));
}

/** Returns the request-side detections of exchange; empty when it has no request. */
export function requestDetections(exchange: Exchange): DetectionMap[] {
  return toMaps(detectRequest(exchange));
}

/** Returns the response-side detections of exchange; empty when it has no response. */
export function responseDetections(exchange: Exchange): DetectionMap[] {
  return toMaps(detectResponse(exchange));
}
