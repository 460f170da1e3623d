// tag: adds static tags to the transaction's event.
//
// Arguments: a map of tag key to string value. Keys follow Datadog's tag
// rules (lower case, starting with a letter); a later rule that sets the same
// key overwrites the value.
//
// Example:
//   - tag: { threat: sqli, team: payments }
import type { ActionDefinition, CompiledAction } from '../types.js';
import { FIRST_PHASE_NEED } from '../attribute-reads.js';

export const tagAction: ActionDefinition<'tag'> = {
  name: 'tag',

  compile(args) {
    const tags = Object.entries(args);
    const action: CompiledAction = {
      name: 'tag',
      need: FIRST_PHASE_NEED,
      effect: null,
      apply(context) {
        for (const [key, value] of tags) {
          context.record.tags[key] = value;
        }
      },
    };
    return action;
  },
};
