// redact: hides values in the transaction's event (never in the traffic).
// Targets of every matched rule add up, and the record keeps the rule that
// first requested each, with its mode, so the event can name the rule behind
// a hidden value.
//
// Arguments: headers (lower-case names), query_params and cookies (names,
// compared without regard to case by the redactor), json_paths ($.a.b,
// $.a[*].b, $.a[0]: values in JSON bodies), detectors (card_number, jwt,
// bearer_token, basic_credentials, aws_access_key, private_key,
// provider_token, email,
// us_ssn, iban), patterns (named regular expressions of your own, checked at
// load time by regex-safety.ts), mode (mask, the default; partial; hmac;
// remove) and hmac_key ({ env: NAME } or { file: PATH }, required by hmac
// and read once when the rules load).
//
// Example:
//   - redact: { headers: [authorization], query_params: [token], detectors: [jwt] }
//   - redact: { detectors: [email], mode: hmac, hmac_key: { env: CTXPROC_HMAC_KEY } }
import { readFileSync } from 'node:fs';
import { emptyRedactionSpec, type DetectorName, type RedactionSpec, type RedactionStyle } from '../../model/record.js';
import { JSON_PATH_SYNTAX, parseJsonPath } from '../../redaction/json-paths.js';
import { MIN_HMAC_KEY_BYTES } from '../../redaction/mask.js';
import { headerNameProblem } from '../http-names.js';
import { regexProblem } from '../regex-safety.js';
import type { ActionArgs, ActionCompiler, ActionDefinition, CompiledAction } from '../types.js';
import { adoptSpec, isEmptySpec, sharedSpec, unsharedSpec } from '../../redaction/shared-spec.js';
import { FIRST_PHASE_NEED } from '../attribute-reads.js';

/** Detector names: the JSON Schema's enum for redact.detectors lists the same. */
export const DETECTOR_NAMES = [
  'card_number',
  'jwt',
  'bearer_token',
  'basic_credentials',
  'aws_access_key',
  'private_key',
  'provider_token',
  'email',
  'us_ssn',
  'iban',
] as const satisfies readonly DetectorName[];

/** A redaction target: the spec set it goes in, and its key in RedactionSpec.sources. */
interface Target {
  set: 'headers' | 'queryParams' | 'cookies' | 'detectors' | 'jsonPaths';
  name: string;
  source: string;
}

type RedactArgs = ActionArgs['redact'];

export const redactAction: ActionDefinition<'redact'> = {
  name: 'redact',

  compile(args, compiler) {
    const namesValid = checkNames(args, compiler);
    const patterns = compilePatterns(args, compiler);
    const style = readStyle(args, compiler);
    if (!namesValid || patterns === null || style === null) {
      return null;
    }

    const targets: Target[] = [
      ...(args.headers ?? []).map((name) => ({ set: 'headers' as const, name, source: `header:${name}` })),
      ...(args.query_params ?? []).map((name) => ({ set: 'queryParams' as const, name, source: `query_param:${name.toLowerCase()}` })),
      ...(args.cookies ?? []).map((name) => ({ set: 'cookies' as const, name, source: `cookie:${name.toLowerCase()}` })),
      ...(args.detectors ?? []).map((name) => ({ set: 'detectors' as const, name, source: `detector:${name}` })),
      ...(args.json_paths ?? []).map((path) => ({ set: 'jsonPaths' as const, name: path, source: `json_path:${path.toLowerCase()}` })),
    ];
    const patternSources = [...patterns.keys()].map((name) => `pattern:${name}`);

    const action: CompiledAction = {
      name: 'redact',
      need: FIRST_PHASE_NEED,
      effect: null,
      apply(context) {
        const spec = context.record.redaction;
        if (isEmptySpec(spec)) {
          adoptSpec(spec, sharedFor(context.rule));
          return;
        }
        addAll(unsharedSpec(spec), context.rule);
      },
    };

    const addAll = (spec: RedactionSpec, rule: string): void => {
      addTargets(spec, targets, rule, style);
      for (const [name, regex] of patterns) {
        if (!spec.patterns.has(name)) {
          spec.patterns.set(name, regex);
        }
      }
      addSources(spec, patternSources, rule, style);
    };

    // The spec this action makes of an empty one, built on first use. An
    // action belongs to one rule, so the rule id check is only a safeguard.
    let shared: { rule: string; spec: RedactionSpec } | null = null;
    const sharedFor = (rule: string): RedactionSpec => {
      if (shared?.rule !== rule) {
        const spec = emptyRedactionSpec();
        addAll(spec, rule);
        shared = { rule, spec: sharedSpec(spec) };
      }
      return shared.spec;
    };
    return action;
  },
};

function checkNames(args: RedactArgs, compiler: ActionCompiler): boolean {
  let valid = true;
  (args.headers ?? []).forEach((name, index) => {
    const problem = headerNameProblem(name);
    if (problem !== null) {
      compiler.report('invalid_header_name', ['headers', index], problem);
      valid = false;
    }
  });
  (args.json_paths ?? []).forEach((path, index) => {
    if (parseJsonPath(path) === null) {
      compiler.report('invalid_argument', ['json_paths', index], `unsupported JSON path '${path}': expected ${JSON_PATH_SYNTAX}`);
      valid = false;
    }
  });
  return valid;
}

function compilePatterns(args: RedactArgs, compiler: ActionCompiler): Map<string, RegExp> | null {
  const patterns = new Map<string, RegExp>();
  let valid = true;
  (args.patterns ?? []).forEach((pattern, index) => {
    const problem = regexProblem(pattern.regex);
    if (problem !== null) {
      compiler.report('unsafe_regex', ['patterns', index, 'regex'], `redact pattern '${pattern.name}': ${problem}`);
      valid = false;
      return;
    }
    // Only the g flag: V8's linear-time fallback does not run i, u or d patterns.
    patterns.set(pattern.name, new RegExp(pattern.regex, 'g'));
  });
  return valid ? patterns : null;
}

/**
 * Returns the rule's mode, with its HMAC key read now, so a missing key
 * fails the load instead of every event. Returns null after reporting.
 */
function readStyle(args: RedactArgs, compiler: ActionCompiler): RedactionStyle | null {
  const mode = args.mode ?? 'mask';
  if (mode !== 'hmac') {
    if (args.hmac_key !== undefined) {
      compiler.report('invalid_argument', ['hmac_key'], `hmac_key is set but mode is ${mode}; remove hmac_key or set mode: hmac`);
      return null;
    }
    return { mode };
  }

  const key = readHmacKey(args.hmac_key, compiler);
  return key === null ? null : { mode, key };
}

function readHmacKey(source: RedactArgs['hmac_key'], compiler: ActionCompiler): Buffer | null {
  if (source === undefined) {
    compiler.report('redaction_key', ['mode'], 'mode hmac needs hmac_key: { env: VARIABLE } or { file: PATH } holding a secret of at least 32 bytes');
    return null;
  }

  let key: Buffer;
  if (source.env !== undefined) {
    const value = process.env[source.env];
    if (value === undefined || value === '') {
      compiler.report('redaction_key', ['hmac_key', 'env'], `environment variable ${source.env} for the HMAC key is not set; set it to a secret of at least ${MIN_HMAC_KEY_BYTES} bytes, for example from \`openssl rand -hex 32\``);
      return null;
    }
    key = Buffer.from(value, 'utf8');
  } else {
    try {
      // A trailing newline from `echo` or an editor is not part of the key.
      key = Buffer.from(readFileSync(source.file!, 'utf8').replace(/\r?\n$/, ''), 'utf8');
    } catch (error) {
      compiler.report('redaction_key', ['hmac_key', 'file'], `cannot read HMAC key file ${source.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; check the path and its permissions`);
      return null;
    }
  }

  // The key itself is never quoted: only its length.
  if (key.length < MIN_HMAC_KEY_BYTES) {
    compiler.report('redaction_key', ['hmac_key'], `HMAC key from ${source.env ?? source.file} has ${key.length} bytes; use at least ${MIN_HMAC_KEY_BYTES}, for example from \`openssl rand -hex 32\``);
    return null;
  }
  return key;
}

function addTargets(spec: RedactionSpec, targets: readonly Target[], rule: string, style: RedactionStyle): void {
  for (const target of targets) {
    spec.jsonPaths ??= new Set();
    (spec[target.set] as Set<string>).add(target.name);
  }
  addSources(spec, targets.map((target) => target.source), rule, style);
}

/** Records rule as the source of each target no earlier rule named, with its mode; mask is the default, so it is not stored. */
function addSources(spec: RedactionSpec, sources: readonly string[], rule: string, style: RedactionStyle): void {
  spec.styles ??= new Map();
  for (const source of sources) {
    if (spec.sources.has(source)) {
      continue;
    }
    spec.sources.set(source, rule);
    if (style.mode !== 'mask') {
      spec.styles.set(source, style);
    }
  }
}
