// Load-time checks of the regular expressions that CEL conditions pass to
// matches(). cel-js runs them on JavaScript's backtracking RegExp engine, not
// on RE2 as the CEL specification describes, so a pattern like ^(a+)+$
// could stall every transaction for seconds. Patterns must be string
// literals, so that request data can never become a pattern, and must pass
// regex-safety.ts.
import type { ASTNode } from '@marcbachmann/cel-js';
import { forEachNode } from './ast-nodes.js';
import { regexProblem } from './regex-safety.js';

export interface RegexCallProblem {
  message: string;
  offset: number;
}

/** Returns a problem for every matches() call whose pattern is not a safe string literal. */
export function regexCallProblems(ast: ASTNode): RegexCallProblem[] {
  const problems: RegexCallProblem[] = [];
  forEachNode(ast, (node) => {
    const pattern = matchesPattern(node);
    if (pattern !== undefined) {
      checkPattern(node, pattern, problems);
    }
  });
  return problems;
}

/** Returns the pattern argument of `x.matches(p)` or `matches(x, p)`, or undefined for other nodes. */
function matchesPattern(node: ASTNode): ASTNode | null | undefined {
  if (node.op === 'rcall' && node.args[0] === 'matches') {
    return (node.args[2] as ASTNode[])[0] ?? null;
  }
  if (node.op === 'call' && node.args[0] === 'matches') {
    return (node.args[1] as ASTNode[])[1] ?? null;
  }
  return undefined;
}

function checkPattern(call: ASTNode, pattern: ASTNode | null, problems: RegexCallProblem[]): void {
  if (pattern === null || pattern.op !== 'value' || typeof pattern.args !== 'string') {
    problems.push({
      message: 'matches() needs a string literal pattern; a pattern computed at run time could come from the request and stall ctxproc',
      offset: (pattern ?? call).range.start,
    });
    return;
  }

  const problem = regexProblem(pattern.args);
  if (problem !== null) {
    problems.push({ message: `matches() pattern ${JSON.stringify(pattern.args)}: ${problem}`, offset: pattern.range.start });
  }
}
