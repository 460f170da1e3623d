// The readable report of a rule test run: one line per test, each failure
// under its test as `file:line:column: message` so that editors and CI can
// link to the expectation that failed, and a count at the end.
import type { RuleTestReport } from './run-tests.js';

/** Formats report as lines of text, ending with a newline. */
export function formatTestReport(report: RuleTestReport): string {
  const lines: string[] = [];

  for (const { test, failures } of report.results) {
    const where = `${test.position.file}:${test.position.line}`;
    lines.push(`${failures.length === 0 ? 'pass' : 'FAIL'}  ${test.name}  (${where})`);
    for (const failure of failures) {
      lines.push(`      ${failure.position.file}:${failure.position.line}:${failure.position.column}: ${failure.message}`);
    }
  }

  const total = report.results.length;
  lines.push('');
  lines.push(`${total} ${total === 1 ? 'test' : 'tests'}: ${report.passed} passed, ${report.failed} failed`);
  return `${lines.join('\n')}\n`;
}
