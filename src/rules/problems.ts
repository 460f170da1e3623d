// Every way a rule file can be rejected, and the error that lists them all.
// Loading collects problems instead of stopping at the first, so one failed
// load shows everything there is to fix.

/** Problem codes, each with what the code means and how to fix it. Tests assert on codes. */
export const PROBLEM_CODES = {
  file_unreadable: 'The rule path or a file in it cannot be read: check the path and its permissions.',
  no_rule_files: 'The directory has no *.yaml or *.yml file: add one or point at a file.',
  yaml_syntax: 'The file is not valid YAML: fix the syntax at the position shown.',
  schema: 'The document does not match schema/ruleset.schema.json: fix the field shown.',
  duplicate_id: 'Two rules share an id: rename one, because ids must be unique across all loaded files.',
  cel_syntax: 'A CEL expression does not parse: fix the syntax at the position shown.',
  cel_type: 'A CEL expression has a type error, or its result has the wrong type for where it is used.',
  unknown_attribute: 'A CEL expression reads an attribute ctxproc does not provide: use one listed in the message.',
  invalid_status: 'A block status is not in Envoy\'s envoy.type.v3.StatusCode enum: use a listed status.',
  invalid_header_name: 'A header name is not a lower-case RFC 9110 token, or is a pseudo-header.',
  invalid_header_value: 'A static header value contains CR, LF or NUL, which Envoy rejects.',
  phase_conflict: 'An action cannot take effect in the phase its rule runs in: split the rule.',
  multiple_blocks: 'A rule has more than one block action: keep one.',
  unsafe_regex: 'A regular expression is invalid or could backtrack catastrophically: rewrite it as the message says.',
  redaction_key: 'The HMAC key of a redact rule is missing, unreadable or shorter than 32 bytes: fix the file or variable named.',
  invalid_argument: 'An action argument is well-formed but unusable, such as an unsupported JSON path or duration: fix it as the message says.',
  invalid_test: 'A rule test is malformed in a way the schema cannot see, such as a rule id that no loaded file defines: fix the test.',
  test_failed: 'A rule test ran and an expectation did not hold: fix the rule or the test, as the message says.',
  too_many_rules: 'The rule set has more rules than --max-rules allows: raise --max-rules or remove rules.',
  rule_file_too_large: 'A rule file is larger than --max-rule-file-bytes allows: split its rules across several files or raise the limit.',
  unknown_sink: 'A log action names a sink that the sinks file (--sinks) does not declare: declare it or fix the name.',
} as const;

export type ProblemCode = keyof typeof PROBLEM_CODES;

/** One reason a rule set was rejected. Line and column are 1-based; absent when the problem concerns the whole file. */
export interface RuleProblem {
  code: ProblemCode;
  file: string;
  line?: number;
  column?: number;
  message: string;
}

/** Formats a problem as `file:line:column: message`, the form editors and CI annotate. */
export function formatProblem(problem: RuleProblem): string {
  if (problem.line === undefined) {
    return `${problem.file}: ${problem.message}`;
  }

  return `${problem.file}:${problem.line}:${problem.column ?? 1}: ${problem.message}`;
}

/**
 * Problems that a message, a log line or /rules lists. Thousands of broken
 * rules would otherwise make one log line and one /rules reply of
 * megabytes, so the rest are only counted. `ctxproc check` lists them all.
 */
export const MAX_LISTED_PROBLEMS = 100;

/** Returns the first MAX_LISTED_PROBLEMS problems. */
export function listedProblems(problems: readonly RuleProblem[]): readonly RuleProblem[] {
  return problems.length > MAX_LISTED_PROBLEMS ? problems.slice(0, MAX_LISTED_PROBLEMS) : problems;
}

/** Returns the line that follows a shortened list, or an empty string when every problem is listed. */
export function omittedProblemsLine(count: number): string {
  if (count <= MAX_LISTED_PROBLEMS) {
    return '';
  }

  return `and ${count - MAX_LISTED_PROBLEMS} more; run ctxproc check on the rule path to list them all`;
}

/** Raised by loadRuleSet when any file has any problem; no rule of the set is usable then. */
export class RuleLoadError extends Error {
  readonly problems: readonly RuleProblem[];

  constructor(problems: RuleProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = listedProblems(problems).map(formatProblem);
    const omitted = omittedProblemsLine(problems.length);
    super(`invalid rule set (${count}):\n${(omitted === '' ? lines : [...lines, omitted]).join('\n')}`);
    this.name = 'RuleLoadError';
    this.problems = problems;
  }
}
