// Every action a rule can use, by the name written in rule files. The JSON
// Schema lists the same names, and a test keeps the two equal.
import type { ActionDefinition, ActionName } from '../types.js';
import { appendHeaderAction } from './append-header.js';
import { blockAction } from './block.js';
import { debugAction } from './debug.js';
import { logAction } from './log.js';
import { logPayloadAction } from './log-payload.js';
import { redactAction } from './redact.js';
import { removeHeaderAction } from './remove-header.js';
import { setFieldAction } from './set-field.js';
import { setHeaderAction } from './set-header.js';
import { setMetadataAction } from './set-metadata.js';
import { tagAction } from './tag.js';

export const ACTIONS: { readonly [N in ActionName]: ActionDefinition<N> } = {
  log: logAction,
  log_payload: logPayloadAction,
  tag: tagAction,
  set_field: setFieldAction,
  set_header: setHeaderAction,
  append_header: appendHeaderAction,
  remove_header: removeHeaderAction,
  set_metadata: setMetadataAction,
  redact: redactAction,
  block: blockAction,
  debug: debugAction,
};

/** Returns true when name is a registered action. */
export function isActionName(name: string): name is ActionName {
  return Object.hasOwn(ACTIONS, name);
}
