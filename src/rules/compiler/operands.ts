// The value a fused closure tests, read with as few calls as possible. An
// attribute such as request.method is read by its own reader, without the
// selection closure around it, and a header such as
// request.headers['user-agent'] by one Map.get on the reader's map. Any
// other node is read through its ordinary closure.
import type { ASTNode } from '@marcbachmann/cel-js';
import { lookupFor } from './access.js';
import { attributeReader, compileNode } from './compile-node.js';
import { CompiledEvaluationError, fieldError, isError, siteError } from './errors.js';
import { checkedTypeOf } from './frame.js';
import { internalised } from './literals.js';
import { HEADER_VALUE_READERS, HOT_ATTRIBUTES, hotValue } from './attribute-readers.js';
import type { Closure, Root, Scope } from './frame.js';

export interface Operand {
  /** Returns the value, an evaluation error, or undefined when the value is absent. */
  readonly read: (root: Root) => unknown;
  /**
   * The attribute's number in HOT_ATTRIBUTES, or -1. Fused closures read a
   * hot attribute with hotValue(root, hot) instead of calling read.
   * That test is written out in each closure, because V8 did not inline a
   * helper function that held it, which cost a call per evaluation.
   */
  readonly hot: number;
  /** The error of an absent value, which CEL reports as a missing key or field. */
  readonly missing: CompiledEvaluationError;
}

/** Returns the operand of node: an attribute, a header map read with a literal key, or any other compiled node. */
export function operandOf(node: ASTNode, scope: Scope): Operand {
  return attributeOperand(node, scope) ?? literalKeyOperand(node, scope) ?? { read: compileNode(node, scope), hot: -1, missing: absentValue(node) };
}


/** Returns a closure that reads operand and turns an absent value into its error. */
export function closureOf(operand: Operand): Closure {
  const { read, missing } = operand;
  return (root) => {
    const value = read(root);
    return value === undefined ? missing : value;
  };
}

/** Returns the operand of root.field, such as request.method, when node is one. */
export function attributeOperand(node: ASTNode, scope: Scope): Operand | undefined {
  if (node.op !== '.') {
    return undefined;
  }
  const [targetNode, field] = node.args;
  const reader = attributeReader(targetNode, field, scope);
  if (reader === undefined) {
    return undefined;
  }
  // Roots are Activations at run time; the reader reads its typed getters.
  const hot = HOT_ATTRIBUTES.get(`${(targetNode as ASTNode & { op: 'id' }).args}.${field}`) ?? -1;
  return { read: reader as unknown as (root: Root) => unknown, hot, missing: fieldError(node, field) };
}

/**
 * Returns the operand of map['key'] when map is typed map<string, string>,
 * as header, cookie and form maps are. Those maps are JavaScript Maps, so
 * the key is one Map.get. A missing map is the map's own error, and a
 * missing key is this node's error, as in the unfused closures.
 */
export function literalKeyOperand(node: ASTNode, scope: Scope): Operand | undefined {
  if (node.op !== '[]') {
    return undefined;
  }
  const [targetNode, keyNode] = node.args;
  if (keyNode.op !== 'value' || typeof keyNode.args !== 'string' || checkedTypeOf(targetNode)?.name !== 'map<string, string>') {
    return undefined;
  }

  const key = internalised(keyNode.args);
  const missing = siteError(node, 'no_such_key', `No such key: ${key}`);
  const container = operandOf(targetNode, scope);
  const { read: readContainer, hot, missing: containerMissing } = container;
  const headerValue = headerValueReader(targetNode, scope);
  if (headerValue !== undefined) {
    return { read: headerValue(key, containerMissing), hot: -1, missing };
  }

  const lookup = lookupFor(node);
  const read = (root: Root): unknown => {
    const map = hot >= 0 ? hotValue(root, hot) : readContainer(root);
    if (map instanceof Map) {
      return map.get(key);
    }
    if (map === undefined) {
      return containerMissing;
    }
    return isError(map) ? map : lookup(map, key);
  };
  return { read, hot: -1, missing };
}

/** Returns the builder of a single-header read when node is request.headers or response.headers. */
function headerValueReader(node: ASTNode, scope: Scope): ((name: string, mapMissing: unknown) => (root: Root) => unknown) | undefined {
  if (node.op !== '.' || attributeOperand(node, scope) === undefined) {
    return undefined;
  }
  const [rootNode, field] = node.args;
  const name = `${(rootNode as ASTNode & { op: 'id' }).args}.${field}`;
  return Object.hasOwn(HEADER_VALUE_READERS, name) ? HEADER_VALUE_READERS[name] : undefined;
}

/** Builds the error of an absent value from an ordinary closure or a macro element; neither is absent in practice. */
export function absentValue(node: ASTNode): CompiledEvaluationError {
  return siteError(node, 'no_such_key', 'No such key');
}
