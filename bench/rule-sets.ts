// Rule sets for the benchmark scenarios, written to a temporary directory:
// the shipped default rules, plus generated rules of the shapes users write
// (route prefixes, tenant headers, methods on admin paths, source address
// ranges, server errors on a route, scanner user agents), with logging and
// tagging actions. Most generated rules match no benchmark request, as most
// rules of a real rule set match few requests.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The six rule shapes, cycled in order; index `i` makes every literal unique. */
const RULE_SHAPES: Array<(i: number) => string> = [
  (i) => rule(`route-${i}`, `request.url_path.startsWith('/api/v1/svc${i}/')`, `tag: { route: svc-${i} }`),
  (i) => rule(`tenant-${i}`, `'x-tenant-id' in request.headers && request.headers['x-tenant-id'] == 'tenant-${i}'`, `tag: { tenant: tenant-${i} }`),
  (i) => rule(`admin-delete-${i}`, `request.method == 'DELETE' && request.url_path.startsWith('/admin/${i}/')`, `log: { message: admin delete on area ${i} }`),
  (i) => rule(`source-range-${i}`, `source.address.startsWith('192.168.${i % 256}.')`, `tag: { zone: lab-${i % 256} }`),
  (i) => rule(`server-error-${i}`, `response.code >= 500 && request.url_path.startsWith('/api/v2/svc${i}/')`, `log: { message: server error on service ${i} }`),
  (i) => rule(`scanner-${i}`, `request.useragent.matches('^scanner-${i}/[0-9]+')`, `tag: { scanner: scanner-${i} }`),
];

/** Rules that read the JSON request body, for the buffered-body scenario. */
const BODY_RULES = [
  rule('body-admin-flag', `request.headers['content-type'].startsWith('application/json') && request.body.contains('"is_admin":true')`, 'tag: { privilege: admin-flag }'),
  rule('body-card-field', `request.body.matches('"card_number"\\\\s*:')`, 'log: { message: card number field in request body }'),
];

/** Generated rules per file: 250 of them take about 53 KiB. */
const RULES_PER_FILE = 250;

/** The rules of a scenario's rule set besides the default ones. */
export type RuleSetSpec = { generated: number } | { body: true };

/**
 * Writes a rule directory of the default rules (`rules/default.yaml` of the
 * repository) and the extra rules `spec` names; returns its path.
 */
export function writeRuleSet(directory: string, repositoryRoot: string, spec: RuleSetSpec): string {
  mkdirSync(directory, { recursive: true });
  copyFileSync(path.join(repositoryRoot, 'rules', 'default.yaml'), path.join(directory, 'default.yaml'));

  const rules = 'body' in spec ? BODY_RULES : generateRules(spec.generated);
  // Files of at most RULES_PER_FILE rules stay under --max-rule-file-bytes (128 KiB by default).
  for (let first = 0; first < rules.length; first += RULES_PER_FILE) {
    const name = `generated-${String(first / RULES_PER_FILE).padStart(3, '0')}.yaml`;
    writeFileSync(path.join(directory, name), ruleSetYaml(rules.slice(first, first + RULES_PER_FILE)));
  }
  return directory;
}

/** Returns `count` rules cycling through the rule shapes. */
export function generateRules(count: number): string[] {
  return Array.from({ length: count }, (_unused, i) => RULE_SHAPES[i % RULE_SHAPES.length]!(i));
}

function rule(id: string, when: string, action: string): string {
  return `  - id: bench-${id}\n    description: Generated benchmark rule of shape ${id.replace(/-\d+$/, '')}.\n    when: ${JSON.stringify(when)}\n    actions:\n      - ${action}\n`;
}

function ruleSetYaml(rules: string[]): string {
  return `apiVersion: ctxproc.dev/v1\nkind: RuleSet\nmetadata:\n  name: bench-generated\nrules:\n${rules.join('')}`;
}
