// ProcessingMode handling as in Envoy's ext_proc filter: the configured mode
// in wire numbers, what each direction sends, and the mode_override merge.
import { BodySendMode, HeaderSendMode } from '../protocol/messages.js';
import type { ProcessingMode } from '../protocol/messages.js';
import type { BodySendModeName, HeaderSendModeName, ProcessingModeConfig } from './types.js';

/** A ProcessingMode with every field present: 0 is DEFAULT for headers and trailers, NONE for bodies. */
export type FullProcessingMode = Required<ProcessingMode>;

/** The messages one direction (request or response) sends to the server. */
export interface DirectionMode {
  sendHeaders: boolean;
  bodyMode: number;
  sendTrailers: boolean;
}

function headerModeNumber(name: HeaderSendModeName | undefined): number {
  return HeaderSendMode[name ?? 'DEFAULT'];
}

function bodyModeNumber(name: BodySendModeName | undefined): number {
  return BodySendMode[name ?? 'NONE'];
}

/** Converts the option form to wire numbers; unset fields become 0, as proto3 decodes them. */
export function toProcessingMode(config: ProcessingModeConfig | undefined): FullProcessingMode {
  return {
    request_header_mode: headerModeNumber(config?.request_header_mode),
    response_header_mode: headerModeNumber(config?.response_header_mode),
    request_body_mode: bodyModeNumber(config?.request_body_mode),
    response_body_mode: bodyModeNumber(config?.response_body_mode),
    request_trailer_mode: headerModeNumber(config?.request_trailer_mode),
    response_trailer_mode: headerModeNumber(config?.response_trailer_mode),
  };
}

/** Fills the fields a decoded mode_override left unset with 0. */
export function completeProcessingMode(mode: ProcessingMode): FullProcessingMode {
  return {
    request_header_mode: mode.request_header_mode ?? 0,
    response_header_mode: mode.response_header_mode ?? 0,
    request_body_mode: mode.request_body_mode ?? 0,
    response_body_mode: mode.response_body_mode ?? 0,
    request_trailer_mode: mode.request_trailer_mode ?? 0,
    response_trailer_mode: mode.response_trailer_mode ?? 0,
  };
}

/**
 * Returns the request direction's settings. Headers are sent unless SKIP and
 * trailers only when SEND, so DEFAULT means "send headers, skip trailers".
 */
export function requestDirectionMode(mode: FullProcessingMode): DirectionMode {
  return {
    sendHeaders: mode.request_header_mode !== HeaderSendMode.SKIP,
    bodyMode: mode.request_body_mode,
    sendTrailers: mode.request_trailer_mode === HeaderSendMode.SEND,
  };
}

/** Returns the response direction's settings, with the same DEFAULT rules. */
export function responseDirectionMode(mode: FullProcessingMode): DirectionMode {
  return {
    sendHeaders: mode.response_header_mode !== HeaderSendMode.SKIP,
    bodyMode: mode.response_body_mode,
    sendTrailers: mode.response_trailer_mode === HeaderSendMode.SEND,
  };
}

/**
 * Merges a server's mode_override into the configured mode as Envoy 1.34 and
 * later do: header and trailer fields set to DEFAULT keep the configured
 * value, while both body modes are copied as sent, so an unset body mode
 * becomes NONE.
 */
export function effectiveModeOverride(target: ProcessingMode, configured: FullProcessingMode): FullProcessingMode {
  const override = completeProcessingMode(target);
  const merged = { ...configured };

  if (override.request_header_mode !== HeaderSendMode.DEFAULT) {
    merged.request_header_mode = override.request_header_mode;
  }
  if (override.response_header_mode !== HeaderSendMode.DEFAULT) {
    merged.response_header_mode = override.response_header_mode;
  }
  if (override.request_trailer_mode !== HeaderSendMode.DEFAULT) {
    merged.request_trailer_mode = override.request_trailer_mode;
  }
  if (override.response_trailer_mode !== HeaderSendMode.DEFAULT) {
    merged.response_trailer_mode = override.response_trailer_mode;
  }

  merged.request_body_mode = override.request_body_mode;
  merged.response_body_mode = override.response_body_mode;
  return merged;
}

/**
 * Checks a merged override against allowed_override_modes. An empty list
 * allows everything. Otherwise one entry must match exactly on every field
 * but request_header_mode. Envoy leaves that field out because the request
 * headers have already been sent when an override can arrive.
 */
export function isOverrideAllowed(candidate: FullProcessingMode, allowed: readonly FullProcessingMode[]): boolean {
  if (allowed.length === 0) {
    return true;
  }
  return allowed.some(
    (other) =>
      candidate.request_body_mode === other.request_body_mode &&
      candidate.request_trailer_mode === other.request_trailer_mode &&
      candidate.response_header_mode === other.response_header_mode &&
      candidate.response_body_mode === other.response_body_mode &&
      candidate.response_trailer_mode === other.response_trailer_mode,
  );
}

/**
 * Rejects a configuration Envoy's config validation rejects: a
 * FULL_DUPLEX_STREAMED body needs the same direction's trailer mode SEND.
 */
export function validateProcessingMode(mode: FullProcessingMode, field = 'processingMode'): void {
  if (mode.request_body_mode === BodySendMode.FULL_DUPLEX_STREAMED && mode.request_trailer_mode !== HeaderSendMode.SEND) {
    throw new Error(
      `invalid ${field}: request_body_mode FULL_DUPLEX_STREAMED requires request_trailer_mode SEND; set it to SEND`,
    );
  }
  if (mode.response_body_mode === BodySendMode.FULL_DUPLEX_STREAMED && mode.response_trailer_mode !== HeaderSendMode.SEND) {
    throw new Error(
      `invalid ${field}: response_body_mode FULL_DUPLEX_STREAMED requires response_trailer_mode SEND; set it to SEND`,
    );
  }
}
