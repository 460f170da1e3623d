// String literals as V8 internalised strings. The CEL parser cuts each
// literal out of the rule text, so it is a new string object. V8 compares
// two internalised strings by pointer in === and Map.get, and other strings
// by their characters. The decoder gives common header names and methods as
// internalised strings too (src/protocol/request-decoder.ts).

/**
 * Returns the internalised copy of text. V8 internalises a computed property
 * key, and Object.keys() returns that copy. Called once per literal at
 * compile time, because it allocates an object and an array.
 */
export function internalised(text: string): string {
  return Object.keys({ [text]: 0 })[0] as string;
}

/** Returns value internalised when it is a string, else unchanged. */
export function internalisedLiteral<T>(value: T): T {
  return (typeof value === 'string' ? internalised(value) : value) as T;
}
