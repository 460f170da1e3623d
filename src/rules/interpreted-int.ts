// int() of a string, made strict for the cel-js interpreter. CEL defines
// int(string) on decimal integers with an optional sign, and the compiled
// path (compiler/builtins.ts) follows it, but cel-js 8 parses the string
// with BigInt, which takes '' as 0 and also takes '0b1' and '0o7'. cel-js
// does not let an environment replace a built-in overload. So before the
// interpreter parses a condition, each int() call whose argument may be a
// string is rewritten into CEL that raises cel-js's own int_conversion_error
// for any other text.

/** An AST node of cel-js 8: an operator, its arguments, and its source range (end exclusive). */
interface CelNode {
  op: string;
  args: unknown;
  start: number;
  end: number;
  checkedType?: { name?: string };
}

// RE2 and JavaScript read this alike: 1 to 19 digits, as many as int64
// takes, with an optional sign. cel-js rejects values out of int64's range.
const DECIMAL_INT_PATTERN = "'^[+-]?[0-9]{1,19}$'";

// BigInt rejects this text, so cel-js raises int_conversion_error for it.
const NOT_AN_INT = "'not a decimal integer'";

/**
 * Returns `source` with every int() call on a string or dyn argument
 * rewritten to reject text other than a decimal integer, or null when it
 * has none. `ast` is the checked AST of `source`.
 */
export function strictIntSource(source: string, ast: unknown): string | null {
  const calls: CelNode[] = [];
  collectIntCalls(ast, calls);
  if (calls.length === 0) {
    return null;
  }
  calls.sort((a, b) => a.start - b.start);
  return rewriteRange(source, calls, 0, source.length);
}

function collectIntCalls(node: unknown, calls: CelNode[]): void {
  if (Array.isArray(node)) {
    for (const child of node) {
      collectIntCalls(child, calls);
    }
    return;
  }
  if (!isNode(node)) {
    return;
  }

  const argument = intArgument(node);
  if (argument !== null && (argument.checkedType?.name === 'string' || argument.checkedType?.name === 'dyn')) {
    calls.push(node);
  }
  collectIntCalls(node.args, calls);
}

/** Returns the one argument of an int() call, or null for another node. */
function intArgument(node: CelNode): CelNode | null {
  if (node.op !== 'call' || !Array.isArray(node.args) || node.args[0] !== 'int') {
    return null;
  }
  const callArguments: unknown = node.args[1];
  return Array.isArray(callArguments) && callArguments.length === 1 && isNode(callArguments[0]) ? callArguments[0] : null;
}

/** Returns source[start, end) with the calls inside it rewritten, inner calls inside their outer call's argument. */
function rewriteRange(source: string, calls: CelNode[], start: number, end: number): string {
  let text = '';
  let position = start;
  for (const call of calls) {
    if (call.start < position || call.end > end) {
      continue;
    }

    const argument = intArgument(call)!;
    const inner = `(${rewriteRange(source, calls, argument.start, argument.end)})`;
    text += source.slice(position, call.start);
    text += `(type(${inner}) == string && !${inner}.matches(${DECIMAL_INT_PATTERN}) ? int(${NOT_AN_INT}) : int(${inner}))`;
    position = call.end;
  }
  return text + source.slice(position, end);
}

function isNode(value: unknown): value is CelNode {
  return typeof value === 'object' && value !== null && typeof (value as CelNode).op === 'string' && typeof (value as CelNode).start === 'number';
}
