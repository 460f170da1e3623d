// One parsed rule file, kept with its YAML node tree. Every problem, from the
// JSON Schema, the CEL compiler or a semantic check, is reported at the line
// and column of the value that caused it.
import { Composer, Lexer, LineCounter, parseDocument, Parser, YAMLParseError } from 'yaml';
import type { CST, Document } from 'yaml';
import { deepestKey, locateNodes, type SourceLocations } from './source-locations.js';
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

/** The plain data of a parsed file, which a thread that parses it hands to the thread that compiles it. */
export interface ParsedSourceParts {
  data: unknown;
  problems: RuleProblem[];
  locations: SourceLocations;
}

export class SourceFile {
  readonly path: string;
  readonly text: string;
  readonly problems: RuleProblem[];
  /** The document as plain JSON-compatible data; undefined when the YAML did not parse. */
  readonly data: unknown;
  readonly #locations: SourceLocations;
  readonly #lines: LineCounter;

  /**
   * Parses text at once. `parsed` is a document from parseSourceFileSteps,
   * which parses in steps, or the parts() of a SourceFile of the same path
   * and text parsed elsewhere. Only the node locations of a document are kept.
   */
  constructor(path: string, text: string, parsed?: { document: Document.Parsed; lines: LineCounter } | ParsedSourceParts) {
    this.path = path;
    this.text = text;
    if (parsed !== undefined && 'locations' in parsed) {
      this.problems = parsed.problems;
      this.data = parsed.data;
      this.#locations = parsed.locations;
      this.#lines = new LineCounter();
      parsed.locations.lineStarts.forEach(this.#lines.addNewLine);
      return;
    }

    this.problems = [];
    this.#lines = parsed?.lines ?? new LineCounter();
    const document = parsed?.document ?? parseDocument(text, { lineCounter: this.#lines, prettyErrors: false });
    this.data = this.#convert(document);
    this.#locations = locateNodes(document, text, this.#lines.lineStarts);
  }

  /** Returns the parsed data, problems so far and node locations, for a structured clone to another thread. */
  parts(): ParsedSourceParts {
    return { data: this.data, problems: this.problems, locations: this.#locations };
  }

  /** Records a problem at the node found by path (or at the nearest existing parent). */
  report(code: ProblemCode, path: readonly PathSegment[], message: string, anchor: Anchor = {}): void {
    this.problems.push({ code, file: this.path, ...this.locate(path, anchor), message });
  }

  /** Returns the 1-based line and column of the node at path (or of its nearest existing parent). */
  locate(path: readonly PathSegment[], anchor: Anchor = {}): { line: number; column: number } {
    return this.#lineColumn(this.#offsetOf(path, anchor));
  }

  #convert(document: Document.Parsed): unknown {
    // YAML warnings (an unknown tag, for instance) change what a value means,
    // so they reject the file like errors do.
    for (const issue of [...document.errors, ...document.warnings]) {
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
      return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      this.problems.push({ code: 'yaml_syntax', file: this.path, line: 1, column: 1, message: `invalid YAML: ${(error as Error).message}` });
      return undefined;
    }
  }

  #offsetOf(path: readonly PathSegment[], anchor: Anchor): number {
    // A missing path (a value the schema found absent) points at its nearest parent.
    const found = deepestKey(this.#locations, path);
    if (found === null) {
      return 0;
    }

    const node = this.#locations.nodes.get(found.key)!;
    if (anchor.key !== undefined && node.keys !== undefined) {
      return node.keys[anchor.key] ?? node.start;
    }
    if (anchor.offset !== undefined && node.scalarBase !== undefined) {
      // Folding and escapes break the 1:1 mapping, so such a scalar points at its start.
      return node.scalarBase === null ? node.start : node.scalarBase + anchor.offset;
    }
    return node.start;
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
