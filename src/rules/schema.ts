// Validates a parsed rule file against schema/ruleset.schema.json and turns
// each ajv error into a problem at the YAML position of the offending value,
// worded for the person who wrote the rule rather than in JSON Schema terms.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { PathSegment, SourceFile } from './source.js';

const SCHEMA_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../schema/ruleset.schema.json');

/** Returns the path of the rule set JSON Schema shipped with ctxproc. */
export function ruleSetSchemaPath(): string {
  return SCHEMA_PATH;
}

interface SchemaNode {
  title?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  pattern?: string;
  'x-expected'?: string;
}

function compileSchema(): ValidateFunction {
  // verbose adds the failing schema and data to each error, which the
  // messages below need (allowed keys, the x-expected hint, the bad value).
  const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });

  // x-expected: a human description of a pattern, used only in messages.
  ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });

  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object;
  return ajv.compile(schema);
}

const validate = compileSchema();

/** Validates file.data and reports each schema error on file. Returns the paths of invalid values. */
export function validateAgainstSchema(file: SourceFile): PathSegment[][] {
  if (validate(file.data)) {
    return [];
  }

  const invalid: PathSegment[][] = [];
  for (const error of validate.errors ?? []) {
    // `if` only reports that a `then`/`else` branch failed, and `propertyNames`
    // repeats the error already reported for the key itself.
    if (error.keyword === 'if' || error.keyword === 'propertyNames') {
      continue;
    }

    const segments = parsePointer(error.instancePath);
    const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
    const key = propertyName ?? keyOf(error);
    file.report('schema', segments, describe(error, segments, propertyName), key === undefined ? {} : { key });
    invalid.push(segments);
  }
  return invalid;
}

function keyOf(error: ErrorObject): string | undefined {
  if (error.keyword === 'additionalProperties') {
    return (error.params as { additionalProperty: string }).additionalProperty;
  }
  return undefined;
}

function describe(error: ErrorObject, segments: PathSegment[], propertyName: string | undefined): string {
  const label = labelOf(segments);
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  const params = error.params as Record<string, unknown>;

  if (propertyName !== undefined) {
    return `invalid key ${JSON.stringify(propertyName)} in ${label}: expected ${parent['x-expected'] ?? `a key matching ${parent.pattern}`}`;
  }

  switch (error.keyword) {
    case 'required':
      return describeMissing(label, parent, String(params['missingProperty']));
    case 'additionalProperties':
      return describeUnknown(label, parent, String(params['additionalProperty']));
    case 'maxProperties':
    case 'minProperties':
      return describeEntryCount(error, label, parent);
    case 'type':
      if (segments.length === 0 && error.data === null) {
        return 'the file has no YAML document; expected a RuleSet with apiVersion, kind, metadata and rules';
      }
      return `${label} must be ${withArticle(String(params['type']))}, got ${typeName(error.data)}`;
    case 'const':
      return `${label} must be ${JSON.stringify(params['allowedValue'])}, got ${JSON.stringify(error.data)}`;
    case 'enum':
      return `invalid value ${JSON.stringify(error.data)} for ${label}; expected one of: ${(params['allowedValues'] as unknown[]).join(', ')}`;
    case 'pattern':
      return `invalid ${label} ${JSON.stringify(error.data)}: expected ${parent['x-expected'] ?? `a value matching ${parent.pattern}`}`;
    case 'minLength':
      return `${label} must not be empty`;
    case 'maxLength':
      return `${label} is too long: at most ${String(params['limit'])} characters`;
    case 'minItems':
      return `${label} must have at least ${String(params['limit'])} item(s)`;
    case 'minimum':
    case 'maximum':
      return `${label} must be ${String(params['comparison'])} ${String(params['limit'])}, got ${JSON.stringify(error.data)}`;
    default:
      return `${label} ${error.message ?? 'is invalid'}`;
  }
}

function describeMissing(label: string, parent: SchemaNode, missing: string): string {
  const purpose = firstSentence(parent.properties?.[missing]?.description);
  const where = label === 'document' ? 'the document' : label;
  return `missing required field '${missing}' in ${where}${purpose === '' ? '' : ` (${purpose})`}`;
}

function describeUnknown(label: string, parent: SchemaNode, unknown: string): string {
  const allowed = Object.keys(parent.properties ?? {}).join(', ');
  if (parent.title === 'action') {
    return `unknown action '${unknown}' in ${label}; expected one of: ${allowed}`;
  }
  return `unknown field '${unknown}' in ${label}; expected one of: ${allowed}`;
}

function describeEntryCount(error: ErrorObject, label: string, parent: SchemaNode): string {
  const keys = Object.keys((error.data ?? {}) as object);
  if (parent.title === 'action' && keys.length > 1) {
    return `${label} has ${keys.length} keys (${keys.join(', ')}), but an action has exactly one key, its name: write each action as its own list item`;
  }
  if (parent.title === 'action') {
    return `${label} is empty; expected one of: ${Object.keys(parent.properties ?? {}).join(', ')}`;
  }
  return `${label} ${error.message ?? 'has the wrong number of entries'}`;
}

/** Splits a JSON Pointer (RFC 6901) into segments, digits becoming sequence indexes. */
function parsePointer(pointer: string): PathSegment[] {
  if (pointer === '') {
    return [];
  }

  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

/** Returns a readable path such as rules[0].actions[1].log. */
export function labelOf(segments: readonly PathSegment[]): string {
  if (segments.length === 0) {
    return 'document';
  }

  let label = '';
  for (const segment of segments) {
    if (typeof segment === 'number') {
      label += `[${segment}]`;
    } else {
      label += label === '' ? segment : `.${segment}`;
    }
  }
  return label;
}

function firstSentence(text: string | undefined): string {
  if (text === undefined) {
    return '';
  }
  const end = text.indexOf('. ');
  return (end === -1 ? text : text.slice(0, end)).replace(/\.$/, '');
}

function withArticle(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function typeName(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  if (typeof value === 'object') {
    return 'an object';
  }
  return `${withArticle(typeof value)} (${JSON.stringify(value)})`;
}
