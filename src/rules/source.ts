// One parsed rule file, kept with its YAML node tree. Every problem, from the
// JSON Schema, the CEL compiler or a semantic check, is reported at the line
// and column of the value that caused it.
import { Composer, isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, parseDocument, Parser, Scalar, YAMLParseError } from 'yaml';
import type { CST, Document, Node } from 'yaml';
import type { ProblemCode, RuleProblem } from './problems.js';

/** A step into a YAML document: a map key or a sequence index. */
export type PathSegment = string | number;

/** Position inside a node that a problem points at. */
export interface Anchor {
  /** Point at this key of the map at the path instead of at the map. */
  key?: string;
  /** Point this many characters into a scalar's value (a CEL error position). */
  offset?: number;
}

/** Maximum alias expansions per file; the yaml package's guard against "billion laughs" documents. */
const MAX_ALIAS_COUNT = 100;

export class SourceFile {
  readonly path: string;
  readonly text: string;
  readonly problems: RuleProblem[] = [];
  /** The document as plain JSON-compatible data; undefined when the YAML did not parse. */
  readonly data: unknown;
  readonly #document: Document.Parsed;
  readonly #lines: LineCounter;

  /** Parses text at once; `parsed` comes from parseSourceFileSteps, which parses in steps. */
  constructor(path: string, text: string, parsed?: { document: Document.Parsed; lines: LineCounter }) {
    this.path = path;
    this.text = text;
    this.#lines = parsed?.lines ?? new LineCounter();
    this.#document = parsed?.document ?? parseDocument(text, { lineCounter: this.#lines, prettyErrors: false });
    this.data = this.#convert();
  }

  /** Records a problem at the node found by path (or at the nearest existing parent). */
  report(code: ProblemCode, path: readonly PathSegment[], message: string, anchor: Anchor = {}): void {
    this.problems.push({ code, file: this.path, ...this.locate(path, anchor), message });
  }

  /** Returns the 1-based line and column of the node at path (or of its nearest existing parent). */
  locate(path: readonly PathSegment[], anchor: Anchor = {}): { line: number; column: number } {
    return this.#lineColumn(this.#offsetOf(path, anchor));
  }

  /** Returns the node at path, following aliases, or undefined when the path does not exist. */
  nodeAt(path: readonly PathSegment[]): Node | undefined {
    let node: unknown = this.#document.contents;
    for (const segment of path) {
      node = this.#child(node, segment);
      if (node === undefined) {
        return undefined;
      }
    }

    return node as Node;
  }

  #convert(): unknown {
    // YAML warnings (an unknown tag, for instance) change what a value means,
    // so they reject the file like errors do.
    for (const issue of [...this.#document.errors, ...this.#document.warnings]) {
      this.problems.push({
        code: 'yaml_syntax',
        file: this.path,
        ...this.#lineColumn(issue.pos[0]),
        message: `invalid YAML: ${firstLine(issue.message)}`,
      });
    }
    if (this.problems.length > 0) {
      return undefined;
    }

    try {
      return this.#document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      this.problems.push({ code: 'yaml_syntax', file: this.path, line: 1, column: 1, message: `invalid YAML: ${(error as Error).message}` });
      return undefined;
    }
  }

  #child(node: unknown, segment: PathSegment): unknown {
    if (isAlias(node)) {
      node = node.resolve(this.#document);
    }

    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      return pair?.value ?? undefined;
    }
    if (isSeq(node) && typeof segment === 'number') {
      return node.items[segment];
    }
    return undefined;
  }

  #offsetOf(path: readonly PathSegment[], anchor: Anchor): number {
    // A missing path (a value the schema found absent) points at its nearest parent.
    let depth = path.length;
    let node = this.nodeAt(path);
    while (node === undefined && depth > 0) {
      depth -= 1;
      node = this.nodeAt(path.slice(0, depth));
    }
    if (node === undefined || node === null) {
      return 0;
    }

    if (anchor.key !== undefined && isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === anchor.key);
      const key = pair?.key as Node | undefined;
      return key?.range?.[0] ?? node.range?.[0] ?? 0;
    }
    if (anchor.offset !== undefined && isScalar(node)) {
      return this.#scalarOffset(node, anchor.offset);
    }
    return node.range?.[0] ?? 0;
  }

  /**
   * Maps a character offset in a scalar's value to an offset in the file.
   * Exact when the value is written on one line without escapes; otherwise
   * the scalar's start, because folding and escapes break the 1:1 mapping.
   */
  #scalarOffset(node: Scalar, offset: number): number {
    const start = node.range?.[0] ?? 0;
    const end = node.range?.[1] ?? start;
    const raw = this.text.slice(start, end);
    const value = String(node.value);

    if (node.type === Scalar.PLAIN && raw === value) {
      return start + offset;
    }
    const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
    if (quoted && raw.slice(1, -1) === value) {
      return start + 1 + offset;
    }
    return start;
  }

  #lineColumn(offset: number): { line: number; column: number } {
    const position = this.#lines.linePos(offset);
    if (position.line === 0) {
      return { line: 1, column: offset + 1 };
    }
    return { line: position.line, column: position.col };
  }
}

function firstLine(message: string): string {
  // The yaml package appends " at line L, column C:" and a code frame, which
  // repeat the problem's own position.
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * Lexemes per step of parseSourceFileSteps. A rule of five lines is about 50
 * lexemes, and lexing and parsing 240,000 lexemes took 525 to 1,021 ms on a
 * loaded 2-core machine, so a step takes 1 to 2 ms there. The slice runner
 * groups steps into slices.
 */
const LEXEMES_PER_STEP = 500;

/**
 * Builds the same SourceFile as `new SourceFile(path, text)`, in steps: the
 * lexing and parsing, about 60% of the work, in steps of LEXEMES_PER_STEP
 * lexemes, then building the document in one step, since the yaml package
 * builds a document in one call. It repeats parseDocument of yaml 2.
 */
export function* parseSourceFileSteps(path: string, text: string): Generator<void, SourceFile> {
  const lines = new LineCounter();
  const parser = new Parser(lines.addNewLine);
  const tokens: CST.Token[] = [];
  lines.addNewLine(0);
  let lexemes = 0;
  for (const lexeme of new Lexer().lex(text, false)) {
    tokens.push(...parser.next(lexeme));
    lexemes += 1;
    if (lexemes % LEXEMES_PER_STEP === 0) {
      yield;
    }
  }
  tokens.push(...parser.end());
  yield;

  const composer = new Composer({ lineCounter: lines, prettyErrors: false });
  let document: Document.Parsed | null = null;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (document === null) {
      document = next;
    } else {
      document.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
      break;
    }
  }
  yield;

  // compose(..., true, ...) always ends with a document, even for empty text.
  return new SourceFile(path, text, { document: document!, lines });
}
