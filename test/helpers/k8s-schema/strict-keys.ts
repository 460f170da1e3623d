// Finds keys that the Kubernetes API does not define, which the
// kubernetes-models validators let through (a misspelled `porst` in a
// container passes them). The field lists come from the TypeScript
// interfaces that those packages generate from the same OpenAPI schemas,
// read with the TypeScript compiler's type checker.
import path from 'node:path';
import ts from 'typescript';
import { closestName } from '../envoy-api/closest-name.js';
import { REPO_ROOT } from '../service-harness.js';
import { modelLocation } from './models.js';

/** A key the schema does not define, with its location. */
export interface UnknownKey {
  path: string;
  message: string;
}

/**
 * Checks objects against the interfaces of their kinds. All kinds are
 * compiled into one TypeScript program, which takes about a second.
 */
export class KubernetesKeyChecker {
  private readonly checker: ts.TypeChecker;
  private readonly rootTypes = new Map<string, ts.Type>();

  constructor(kinds: Array<{ apiVersion: string; kind: string }>) {
    const unique = [...new Map(kinds.map((entry) => [`${entry.apiVersion} ${entry.kind}`, entry])).values()];
    const aliases = unique.map((entry, index) => ({ ...entry, alias: `Root${index}` }));
    const source = aliases.map(({ apiVersion, kind, alias }) => {
      const location = modelLocation(apiVersion, kind);
      if (!location) {
        throw new Error(`no kubernetes-models package covers ${apiVersion} ${kind}`);
      }
      return `export type ${alias} = import('${location.module}').I${kind};`;
    }).join('\n');

    const program = createProgram(source);
    this.checker = program.getTypeChecker();
    const file = program.getSourceFile(VIRTUAL_FILE)!;
    const diagnostics = ts.getPreEmitDiagnostics(program, file);
    if (diagnostics.length > 0) {
      throw new Error(`cannot load Kubernetes model types: ${ts.flattenDiagnosticMessageText(diagnostics[0]!.messageText, '\n')}`);
    }

    for (const statement of file.statements.filter(ts.isTypeAliasDeclaration)) {
      const entry = aliases.find((candidate) => candidate.alias === statement.name.text)!;
      this.rootTypes.set(`${entry.apiVersion} ${entry.kind}`, this.checker.getTypeAtLocation(statement.name));
    }
  }

  /** Returns every key of object that its kind's schema does not define. */
  check(object: Record<string, unknown>): UnknownKey[] {
    const type = this.rootTypes.get(`${object.apiVersion} ${object.kind}`);
    if (!type) {
      throw new Error(`${object.apiVersion} ${object.kind} was not passed to the KubernetesKeyChecker constructor`);
    }
    const problems: UnknownKey[] = [];
    this.walk(type, object, '$', problems);
    return problems;
  }

  private walk(type: ts.Type, value: unknown, at: string, problems: UnknownKey[]): void {
    const declared = this.checker.getNonNullableType(type);

    if (Array.isArray(value)) {
      const element = this.checker.getIndexTypeOfType(declared, ts.IndexKind.Number);
      if (element) {
        value.forEach((item, index) => this.walk(element, item, `${at}[${index}]`, problems));
      }
      return;
    }
    if (typeof value !== 'object' || value === null) {
      return;
    }

    // A field may be a union (int-or-string, or one of several shapes):
    // a key is known when any object member of the union declares it.
    const members = (declared.isUnion() ? declared.types : [declared]).filter((member) => (member.flags & ts.TypeFlags.Object) !== 0);
    // `{}` in the generated types is a free-form object (an EnvoyFilter
    // patch value, for example), whose keys the schema does not list.
    if (members.length === 0 || members.every((member) => member.getProperties().length === 0)) {
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      this.walkKey(members, key, child, `${at}.${key}`, problems);
    }
  }

  private walkKey(members: ts.Type[], key: string, value: unknown, at: string, problems: UnknownKey[]): void {
    const property = members.map((member) => member.getProperty(key)).find((symbol) => symbol !== undefined);
    if (property) {
      this.walk(this.checker.getTypeOfSymbol(property), value, at, problems);
      return;
    }

    const indexType = members.map((member) => this.checker.getIndexTypeOfType(member, ts.IndexKind.String)).find((found) => found !== undefined);
    if (indexType) {
      this.walk(indexType, value, at, problems);
      return;
    }

    const known = members.flatMap((member) => member.getProperties().map((symbol) => symbol.name));
    const suggestion = closestName(key, known);
    problems.push({ path: at, message: `unknown field ${key}${suggestion ? `; did you mean ${suggestion}?` : ''}` });
  }
}

// The virtual file sits in the repository so that module resolution finds
// the packages in its node_modules.
const VIRTUAL_FILE = path.join(REPO_ROOT, 'test', 'kubernetes-model-types.virtual.ts');

function createProgram(source: string): ts.Program {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);

  host.fileExists = (file) => file === VIRTUAL_FILE || fileExists(file);
  host.readFile = (file) => (file === VIRTUAL_FILE ? source : readFile(file));
  host.getSourceFile = (file, language, onError, shouldCreate) =>
    file === VIRTUAL_FILE ? ts.createSourceFile(file, source, language, true) : getSourceFile(file, language, onError, shouldCreate);

  return ts.createProgram([VIRTUAL_FILE], options, host);
}
