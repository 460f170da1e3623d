// Datadog's libddwaf (@datadog/native-appsec) with the recommended rules that
// dd-trace ships, as a second engine on corpus requests. The corpus command
// uses it to check its false positives, and the libddwaf benchmark to compare
// detection rates. Both packages are devDependencies: a production install
// lacks them, and loadLibddwaf then returns the reason instead of throwing.
//
// libddwaf reads parsed addresses, the way dd-trace hands them over once the
// web framework has parsed the request: query and form fields as objects,
// JSON bodies as values, headers without cookies, cookies apart. Bodies of
// other types are given as text, which is more than dd-trace passes without
// a body parser.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { HttpRequestSpec } from '../../client/types.js';

// The part of @datadog/native-appsec's API used here, declared locally so
// that the project compiles without the package.
interface WafContext {
  run(data: { persistent: Record<string, unknown> }, timeoutMicroseconds: number): { events?: unknown[] };
  dispose(): void;
}

export interface Waf {
  createContext(): WafContext;
  dispose(): void;
  diagnostics: { ruleset_version?: string };
}

interface NativeAppsec {
  DDWAF: { new (rules: object, name: string): Waf; version(): string };
}

/** Package names, replaceable so that a test can name a package that is not installed. */
export interface LibddwafPackages {
  appsec: string;
  tracer: string;
}

const PACKAGES: LibddwafPackages = { appsec: '@datadog/native-appsec', tracer: 'dd-trace' };
// Path of the recommended rules inside the dd-trace package.
const RULES_PATH = 'packages/dd-trace/src/appsec/recommended.json';
// libddwaf's own limit per run, in microseconds; high enough that no corpus request reaches it.
const WAF_TIMEOUT_US = 10_000_000;

// Rule types of the recommended rules and the ctxproc class each counts as.
const CLASS_OF_RULE_TYPE: Record<string, string> = {
  sql_injection: 'sqli',
  nosql_injection: 'nosqli',
  xss: 'xss',
  lfi: 'lfi',
  rfi: 'rfi',
  command_injection: 'rce',
  php_code_injection: 'php',
  java_code_injection: 'java',
  js_code_injection: 'generic',
  ssrf: 'ssrf',
  attack_tool: 'scanner',
  security_scanner: 'scanner',
  commercial_scanner: 'scanner',
  http_protocol_violation: 'protocol',
};

interface RuleFile {
  rules: Array<{ tags?: { type?: string } }>;
}

interface WafEvent {
  rule?: { tags?: { type?: string } };
}

/** libddwaf loaded with the recommended rules: one instance with every rule, and one per class. */
export interface Libddwaf {
  /** For example `libddwaf 1.30.1, recommended rules 1.18.0`. */
  description: string;
  /** Every rule in one instance, as dd-trace runs it; reports the first match only. */
  all: Waf;
  /** The classes that the rules of any class report for `request`, each class run apart. */
  classesOf(request: HttpRequestSpec): Set<string>;
  dispose(): void;
}

/** Loads libddwaf and the recommended rules, or returns why it could not. */
export function loadLibddwaf(packages: LibddwafPackages = PACKAGES): Libddwaf | { unavailable: string } {
  const require = createRequire(import.meta.url);
  let appsec: NativeAppsec;
  let ruleFile: RuleFile;
  try {
    appsec = require(packages.appsec) as NativeAppsec;
    const rulesFile = path.join(path.dirname(require.resolve(`${packages.tracer}/package.json`)), RULES_PATH);
    ruleFile = JSON.parse(fs.readFileSync(rulesFile, 'utf8')) as RuleFile;
  } catch (error) {
    return { unavailable: `${packages.appsec} or the rules of ${packages.tracer} could not be loaded (${(error as Error).message.split('\n')[0]}); install the devDependencies with npm ci to enable the check` };
  }

  const all = new appsec.DDWAF(ruleFile, 'recommended');
  const perClass = wafPerClass(appsec, ruleFile);
  return {
    description: `libddwaf ${appsec.DDWAF.version()}, recommended rules ${all.diagnostics.ruleset_version ?? 'of unknown version'} from ${packages.tracer}`,
    all,
    classesOf: (request) => {
      const addresses = wafAddresses(request);
      return perClass.reduce((classes, waf) => wafClasses(waf, addresses, classes), new Set<string>());
    },
    dispose: () => {
      for (const waf of [all, ...perClass]) {
        waf.dispose();
      }
    },
  };
}

// libddwaf stops at the first rule that matches, so one instance reports one
// class. An instance per class reports every class that matches.
function wafPerClass(appsec: NativeAppsec, ruleFile: RuleFile): Waf[] {
  const byClass = new Map<string, RuleFile['rules']>();
  for (const rule of ruleFile.rules) {
    const name = CLASS_OF_RULE_TYPE[rule.tags?.type ?? ''];
    if (name !== undefined) {
      byClass.set(name, [...(byClass.get(name) ?? []), rule]);
    }
  }
  return [...byClass.entries()].map(([name, rules]) => new appsec.DDWAF({ ...ruleFile, rules }, `recommended-${name}`));
}

/** Runs `waf` once on `addresses` and adds the classes of the rules that matched to `classes`. */
export function wafClasses(waf: Waf, addresses: Record<string, unknown>, classes = new Set<string>()): Set<string> {
  const context = waf.createContext();
  try {
    const result = context.run({ persistent: addresses }, WAF_TIMEOUT_US);
    for (const event of (result.events ?? []) as WafEvent[]) {
      const name = CLASS_OF_RULE_TYPE[event.rule?.tags?.type ?? ''];
      if (name !== undefined) {
        classes.add(name);
      }
    }
    return classes;
  } finally {
    context.dispose();
  }
}

/** Returns the libddwaf addresses dd-trace would fill for `request`. */
export function wafAddresses(request: HttpRequestSpec): Record<string, unknown> {
  const queryStart = request.path.indexOf('?');
  const headers: Record<string, string> = {};
  let cookieHeader = '';
  for (const [name, value] of request.headers) {
    const key = name.toLowerCase();
    if (key === 'cookie') {
      cookieHeader = cookieHeader === '' ? value : `${cookieHeader}; ${value}`;
    } else {
      headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
    }
  }

  const addresses: Record<string, unknown> = {
    'server.request.uri.raw': request.path,
    'server.request.method': request.method,
    'server.request.headers.no_cookies': headers,
  };
  if (queryStart !== -1) {
    addresses['server.request.query'] = formFields(request.path.slice(queryStart + 1));
  }
  if (cookieHeader !== '') {
    addresses['server.request.cookies'] = cookies(cookieHeader);
  }
  const body = request.body?.toString('utf8') ?? '';
  if (body !== '') {
    addresses['server.request.body'] = parsedBody(body, headers['content-type'] ?? '');
  }
  return addresses;
}

function formFields(text: string): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    (fields[name] ??= []).push(value);
  }
  return fields;
}

function cookies(header: string): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals !== -1) {
      jar[pair.slice(0, equals).trim()] = safeDecode(pair.slice(equals + 1).trim());
    }
  }
  return jar;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parsedBody(body: string, contentType: string): unknown {
  if (contentType.includes('json')) {
    try {
      return JSON.parse(body);
    } catch {
      return body;
    }
  }
  return contentType.includes('x-www-form-urlencoded') ? formFields(body) : body;
}
