// Applies a server's HeaderMutation and BodyMutation the way Envoy's
// ext_proc MutationUtils does, including which mistakes fail the request and
// which are only counted.
import type { BodyMutation, HeaderMutation } from '../protocol/messages.js';
import { bytesToHeaderValue, type HeaderMap } from './header-map.js';
import { isValidHeaderName, isValidHeaderValue, type MutationChecker } from './mutation-rules.js';

export interface MutationContext {
  checker: MutationChecker;
  /** max_headers_count: limits both the entries of one mutation and the resulting map. */
  maxHeadersCount: number;
  /** max_request_headers_kb: limits the resulting map's byte size. */
  maxHeadersKb: number;
  /** CONTINUE_AND_REPLACE: Envoy allows setting `:method` regardless of the rules. */
  replacingMessage?: boolean;
  /** True in the modes where Envoy drops content-length: every set of it is then skipped. */
  removeContentLength?: boolean;
}

export interface MutationOutcome {
  /** Entries rejected, counted as Envoy's rejected_header_mutations. */
  rejected: number;
  /** Envoy's error text when the mutation fails the request; null when it does not. */
  error: string | null;
}

function checkCounts(mutation: HeaderMutation, context: MutationContext): string | null {
  const removeCount = mutation.remove_headers?.length ?? 0;
  const setCount = mutation.set_headers?.length ?? 0;
  if (removeCount > context.maxHeadersCount || setCount > context.maxHeadersCount) {
    return (
      `Header mutation remove header count ${removeCount} or set header count ${setCount} ` +
      `exceed the HCM header countlimit ${context.maxHeadersCount}`
    );
  }
  return null;
}

function checkResultSize(headers: HeaderMap, context: MutationContext): string | null {
  const byteSize = headers.byteSize();
  if (byteSize > context.maxHeadersKb * 1024 || headers.size > context.maxHeadersCount) {
    return (
      `Header mutation causes end result header count ${headers.size} or header size ${byteSize} bytes, ` +
      `exceeding the count limit ${context.maxHeadersCount} or the size limit ${context.maxHeadersKb} kilobytes`
    );
  }
  return null;
}

function applyRemovals(mutation: HeaderMutation, headers: HeaderMap, context: MutationContext, outcome: MutationOutcome): void {
  for (const rawName of mutation.remove_headers ?? []) {
    if (!isValidHeaderName(rawName)) {
      outcome.rejected += 1;
      outcome.error = 'Invalid character in remove_headers mutation.';
      return;
    }

    const name = rawName.toLowerCase();
    const result = context.checker.check('remove', name, '');
    if (result === 'ok') {
      headers.remove(name);
      continue;
    }
    outcome.rejected += 1;
    if (result === 'fail') {
      outcome.error = `Invalid attempt to remove ${name}`;
      return;
    }
  }
}

function applySets(mutation: HeaderMutation, headers: HeaderMap, context: MutationContext, outcome: MutationOutcome): void {
  for (const option of mutation.set_headers ?? []) {
    const header = option.header;
    if (header === null || header === undefined) {
      continue;
    }
    if (context.removeContentLength === true && header.key.toLowerCase() === 'content-length') {
      continue;
    }

    // NOTE: the "only one of value or raw_value" rule and reading raw_value
    // alone were checked against Envoy's mutation_utils.cc as of 2024.
    const value = bytesToHeaderValue(header.raw_value);
    if ((header.value ?? '') !== '' && value !== '') {
      outcome.rejected += 1;
      outcome.error = 'Only one of value or raw_value in the HeaderValue message should be set.';
      return;
    }
    if (!isValidHeaderName(header.key) || !isValidHeaderValue(value)) {
      outcome.rejected += 1;
      outcome.error = 'Invalid character in set_headers mutation.';
      return;
    }

    // Only the deprecated `append` BoolValue counts, defaulting to overwrite;
    // Envoy's ext_proc ignores append_action and keep_empty_value.
    const name = header.key.toLowerCase();
    const append = option.append?.value ?? false;
    const operation = append && headers.has(name) ? 'append' : 'set';
    let result = context.checker.check(operation, name, value);
    if (context.replacingMessage === true && name === ':method') {
      result = 'ok';
    }

    if (result === 'ok') {
      if (append) {
        headers.append(name, value);
      } else {
        headers.set(name, value);
      }
      continue;
    }
    outcome.rejected += 1;
    if (result === 'fail') {
      outcome.error = `Invalid attempt to modify ${name}`;
      return;
    }
  }
}

/**
 * Applies `mutation` to `headers` in place, in Envoy's order: count limit,
 * removals, sets, then the size of the result. Entries applied before an
 * error stay applied, as in Envoy.
 */
export function applyHeaderMutation(
  mutation: HeaderMutation,
  headers: HeaderMap,
  context: MutationContext,
): MutationOutcome {
  const outcome: MutationOutcome = { rejected: 0, error: null };

  const countError = checkCounts(mutation, context);
  if (countError !== null) {
    return { rejected: 1, error: countError };
  }

  applyRemovals(mutation, headers, context, outcome);
  if (outcome.error !== null) {
    return outcome;
  }

  applySets(mutation, headers, context, outcome);
  if (outcome.error !== null) {
    return outcome;
  }

  const sizeError = checkResultSize(headers, context);
  if (sizeError !== null) {
    return { rejected: outcome.rejected + 1, error: sizeError };
  }
  return outcome;
}

/** Returns the body after a mutation: `body` replaces, `clear_body: true` empties, anything else keeps it. */
export function applyBodyMutation(mutation: BodyMutation, data: Buffer): Buffer {
  if (mutation.mutation === 'clear_body') {
    return mutation.clear_body === true ? Buffer.alloc(0) : data;
  }
  if (mutation.mutation === 'body') {
    return Buffer.from(mutation.body ?? Buffer.alloc(0));
  }
  return data;
}

/**
 * Returns the length Envoy compares with content-length in BUFFERED mode: the
 * size of the `body` field, which is 0 for clear_body and for an empty mutation.
 */
export function mutatedBodyLength(mutation: BodyMutation): number {
  return mutation.mutation === 'body' ? (mutation.body?.length ?? 0) : 0;
}
