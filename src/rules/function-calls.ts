// Load-time checks of the literal arguments of ctxproc's own CEL functions,
// such as the range in inCidr('10.0.0.0/8') or the path in jsonPath(x, '$.a'),
// so a typo is a load error with a position instead of a rule error per request.
import type { ASTNode } from '@marcbachmann/cel-js';
import { forEachNode } from './ast-nodes.js';
import { EXTENSION_FUNCTIONS } from './functions/index.js';
import type { ExtensionFunction } from './functions/index.js';
import type { NamedLists } from './functions/named-lists.js';

export interface FunctionCallProblem {
  message: string;
  offset: number;
}

const BY_NAME = new Map<string, ExtensionFunction>(EXTENSION_FUNCTIONS.map((extension) => [`${extension.receiver}:${extension.name}`, extension]));

/** Returns a problem for each call of an extension function whose literal arguments are invalid. */
export function functionCallProblems(ast: ASTNode): FunctionCallProblem[] {
  const problems: FunctionCallProblem[] = [];
  forEachNode(ast, (node) => {
    const call = callOf(node);
    const extension = call === null ? undefined : BY_NAME.get(`${call.receiver}:${call.name}`);
    if (call === null || extension?.checkLiterals === undefined) {
      return;
    }

    const message = extension.checkLiterals(call.args.map((arg) => (arg.op === 'value' ? arg.args : undefined)));
    if (message !== null) {
      problems.push({ message: `${extension.name}(): ${message}`, offset: node.range.start });
    }
  });
  return problems;
}

/** Returns a problem for each inList() call whose argument is not the literal name of a list in lists. */
export function listCallProblems(ast: ASTNode, lists: NamedLists): FunctionCallProblem[] {
  const problems: FunctionCallProblem[] = [];
  forEachNode(ast, (node) => {
    if (node.op !== 'rcall' || node.args[0] !== 'inList' || node.args[2].length !== 1) {
      return;
    }

    const nameNode = node.args[2][0] as ASTNode;
    const declared = lists.size === 0 ? 'this file declares no lists' : `declared lists: ${[...lists.keys()].join(', ')}`;
    if (nameNode.op !== 'value' || typeof nameNode.args !== 'string') {
      problems.push({ message: `inList() needs the name of a list as a string literal, such as inList('blocked_ips'); ${declared}`, offset: nameNode.range.start });
    } else if (!lists.has(nameNode.args)) {
      problems.push({ message: `inList(): list '${nameNode.args}' is not declared; add it under lists: in the same file (${declared})`, offset: nameNode.range.start });
    }
  });
  return problems;
}

/** Returns true when ast calls inList(). */
export function usesInList(ast: ASTNode): boolean {
  let found = false;
  forEachNode(ast, (node) => {
    found ||= node.op === 'rcall' && node.args[0] === 'inList';
  });
  return found;
}

function callOf(node: ASTNode): { name: string; receiver: boolean; args: ASTNode[] } | null {
  if (node.op === 'call') {
    return { name: node.args[0], receiver: false, args: node.args[1] };
  }
  if (node.op === 'rcall') {
    return { name: node.args[0], receiver: true, args: node.args[2] };
  }
  return null;
}
