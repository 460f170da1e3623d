// Chooses the mode_override for the request headers reply: the bodies that
// no rule can still need for this transaction are switched to NONE, so Envoy
// neither buffers nor sends them. Envoy applies mode_override only on a
// headers reply, only when the filter sets allow_mode_override, never when a
// body mode is FULL_DUPLEX_STREAMED, and copies body modes literally, so the
// override repeats the configured mode of a body that stays. These are
// Envoy 1.34's rules, as the Envoy-faithful client in src/client models them.
import type { ProcessingMode } from '../protocol/messages.js';
import { BodySendMode } from '../protocol/messages.js';
import type { BodyNeeds } from '../rules/body-needs.js';

/** The body modes Envoy reported in protocol_config on the stream's first message. */
export interface ConfiguredBodyModes {
  request: number;
  response: number;
}

/**
 * Returns the mode_override that turns off the unneeded bodies, or null when
 * none would change: both are needed, already NONE, or a configured mode is
 * FULL_DUPLEX_STREAMED, where Envoy ignores overrides. Header and trailer
 * modes stay DEFAULT, which keeps the configured values.
 */
export function modeOverrideFor(needs: BodyNeeds, configured: ConfiguredBodyModes): ProcessingMode | null {
  if (configured.request === BodySendMode.FULL_DUPLEX_STREAMED || configured.response === BodySendMode.FULL_DUPLEX_STREAMED) {
    return null;
  }

  const requestMode = needs.request ? configured.request : BodySendMode.NONE;
  const responseMode = needs.response ? configured.response : BodySendMode.NONE;
  if (requestMode === configured.request && responseMode === configured.response) {
    return null;
  }
  return { request_body_mode: requestMode, response_body_mode: responseMode };
}
