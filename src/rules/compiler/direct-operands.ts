// Operands that a closure shared by many conditions reads as data, without
// calling a reader: a hot attribute (see HOT_ATTRIBUTES) or one header by a
// literal name, such as request.headers['content-type']. A reader call from
// such a closure goes to a different reader for each condition, so V8
// cannot inline it. readDirect() is one function with a branch per kind,
// which V8 inlines into its caller.
import type { ASTNode } from '@marcbachmann/cel-js';
import type { Activation } from '../activation.js';
import { hotValue, requestHeaders, responseHeaders } from './attribute-readers.js';
import { runElementTest, StringTest } from './element-tests.js';
import type { ElementTest } from './element-tests.js';
import type { CompiledEvaluationError } from './errors.js';
import { siteError } from './errors.js';
import { checkedTypeOf } from './frame.js';
import type { Root, Scope } from './frame.js';
import { compileLiteralTest } from './fusion.js';
import { internalised } from './literals.js';
import { containsNeedle, needleSearch } from './needle-search.js';
import type { NeedleSearch } from './needle-search.js';
import { attributeOperand } from './operands.js';

/** Kinds of value that a DirectOperand reads. */
const DirectKind = {
  Hot: 0,
  RequestHeader: 1,
  ResponseHeader: 2,
} as const;

type DirectKindValue = (typeof DirectKind)[keyof typeof DirectKind];

export class DirectOperand {
  constructor(
    readonly kind: DirectKindValue,
    /** The attribute's number in HOT_ATTRIBUTES, for DirectKind.Hot. */
    readonly hot: number,
    /** The header name, lower case as in the header maps, for the header kinds. */
    readonly key: string,
    /** The error of the header map itself when it is absent, for the header kinds. */
    readonly mapMissing: CompiledEvaluationError | null,
    /** The error of an absent value: a missing field or header. */
    readonly missing: CompiledEvaluationError,
  ) {}
}

/** A literal test of a direct operand, such as `request.headers['content-type'].contains('multipart')`. */
export interface DirectTest {
  readonly test: ElementTest;
  readonly operand: DirectOperand;
  /**
   * The needle of a contains() test, searched by containsNeedle() instead of
   * runElementTest(). runElementTest() keeps includes(), because a larger
   * function is no longer inlined into the macro loops that call it.
   */
  readonly search: NeedleSearch | null;
}

/**
 * Returns the operand's value as the reader would: the value, undefined
 * when absent, or an error value (the header map's own error while the map
 * is absent or not known yet).
 */
function readDirect(root: Root, operand: DirectOperand): unknown {
  if (operand.kind === DirectKind.Hot) {
    return hotValue(root, operand.hot);
  }

  const activation = root as unknown as Activation;
  const headers = operand.kind === DirectKind.RequestHeader ? requestHeaders(activation) : responseHeaders(activation);
  if (headers instanceof Map) {
    return headers.get(operand.key) as unknown;
  }
  return headers === undefined ? operand.mapMissing : headers;
}

/** Returns the result of the test on its operand: a bool or an evaluation error. */
export function runDirectTest(root: Root, direct: DirectTest): unknown {
  const value = readDirect(root, direct.operand);
  const search = direct.search;
  if (search !== null && typeof value === 'string') {
    return containsNeedle(search, value) === direct.test.polarity;
  }
  return runElementTest(direct.test, value);
}

/** Returns node as a literal test of a direct operand, or undefined for any other node. */
export function directTestOf(node: ASTNode, scope: Scope): DirectTest | undefined {
  let operand: DirectOperand | undefined;
  const missingOf = (operandNode: ASTNode): CompiledEvaluationError | undefined => {
    operand = directOperandOf(operandNode, scope);
    return operand?.missing;
  };

  // A test without a string fast path would only move the closure call into
  // runElementTest(), whose `otherwise` call site the macro loops share, so
  // it keeps its closure.
  const test = compileLiteralTest(node, missingOf);
  if (test === undefined || operand === undefined || test.kind === StringTest.None) {
    return undefined;
  }
  const search = test.kind === StringTest.Contains ? needleSearch(test.text) : null;
  return { test, operand, search };
}

/** Returns the direct operand that node reads, or undefined when node is not one. */
function directOperandOf(node: ASTNode, scope: Scope): DirectOperand | undefined {
  const attribute = attributeOperand(node, scope);
  if (attribute !== undefined) {
    return attribute.hot >= 0 ? new DirectOperand(DirectKind.Hot, attribute.hot, '', null, attribute.missing) : undefined;
  }
  return headerOperand(node, scope);
}

/** Returns the operand of request.headers['name'] or response.headers['name']. */
function headerOperand(node: ASTNode, scope: Scope): DirectOperand | undefined {
  if (node.op !== '[]') {
    return undefined;
  }
  const [targetNode, keyNode] = node.args;
  if (keyNode.op !== 'value' || typeof keyNode.args !== 'string' || checkedTypeOf(targetNode)?.name !== 'map<string, string>') {
    return undefined;
  }

  const map = attributeOperand(targetNode, scope);
  const kind = map === undefined ? undefined : headerKindOf(targetNode);
  if (map === undefined || kind === undefined) {
    return undefined;
  }

  // The same key and errors as literalKeyOperand() in operands.ts, so both reads fail alike.
  const key = internalised(keyNode.args);
  const missing = siteError(node, 'no_such_key', `No such key: ${key}`);
  return new DirectOperand(kind, -1, key, map.missing, missing);
}

function headerKindOf(node: ASTNode): DirectKindValue | undefined {
  const [rootNode, field] = node.args as [ASTNode & { op: 'id' }, string];
  if (field !== 'headers') {
    return undefined;
  }
  switch (rootNode.args) {
    case 'request':
      return DirectKind.RequestHeader;
    case 'response':
      return DirectKind.ResponseHeader;
    default:
      return undefined;
  }
}
