// Every action a rule can use, by the name written in rule files. The JSON
// Schema lists the same names, and a test keeps the two equal.
import type { ActionDefinition, ActionName } from '../types.js';
import { blockAction } from './block.js';
import { logAction } from './log.js';
import { redactAction } from './redact.js';
import { removeHeaderAction } from './remove-header.js';
import { setHeaderAction } from './set-header.js';
import { tagAction } from './tag.js';

export const ACTIONS: { readonly [N in ActionName]: ActionDefinition<N> } = {
  log: logAction,
  tag: tagAction,
  set_header: setHeaderAction,
  remove_header: removeHeaderAction,
  redact: redactAction,
  block: blockAction,
};

/** Returns true when name is a registered action. */
export function isActionName(name: string): name is ActionName {
  return Object.hasOwn(ACTIONS, name);
}
