// Shapes shared by the attack detectors and the code that calls them.

/** Request-side attack classes. `generic` covers code injection into other runtimes (Node.js, Ruby, Perl) and prototype pollution. */
export type RequestClass =
  | 'sqli'
  | 'xss'
  | 'lfi'
  | 'rfi'
  | 'rce'
  | 'php'
  | 'java'
  | 'ssrf'
  | 'nosqli'
  | 'scanner'
  | 'protocol'
  | 'generic';

/** Response-side leak classes. */
export type ResponseClass = 'sql_error' | 'stack_trace' | 'source_leak' | 'web_shell';

/** One finding, as rules read it from the `detections` attribute. */
export interface Detection {
  class: string;
  /** Name of the detector that matched, e.g. `sqli.tokens`. */
  detector: string;
  /** Source of the value, e.g. `query.id`, `header.user-agent`, `body.user.name`. */
  location: string;
  /** Decoded text around the match, at most MAX_MATCHED_CHARS characters. */
  matched: string;
}

/** A value taken from the request or response, with where it came from. */
export interface InspectedValue {
  location: string;
  value: string;
}

/**
 * A detector for values: returns the matching part of `text`, or null.
 * `text` is already decoded; detectors do no decoding of their own.
 * `location` is InspectedValue.location, for detectors that weigh the
 * parameter name.
 */
export type ValueDetector = (text: string, location: string) => string | null;

/** A named value detector and the class it reports. */
export interface ValueRule {
  class: RequestClass | ResponseClass;
  detector: string;
  test: ValueDetector;
  /** True for detectors that apply only to parameters, cookies and body fields, not to the path or headers. */
  parametersOnly?: boolean;
}
