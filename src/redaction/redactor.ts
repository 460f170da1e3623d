// The redactor for one event. It applies a RedactionSpec to every string the
// event builder passes it and records each redaction by field, reason and
// rule, never by value. Its work is bounded: each string is scanned over at
// most its output length plus a margin. After `maxMatchesPerString` matches of
// one detector, the rest of the string is masked whole.
import type { FieldValue, RedactionSpec } from '../model/record.js';
import { CUT_MARKER, cutChars, trimTokenEdge } from './cut.js';
import type { Span } from './detector.js';
import { DETECTORS } from './detectors.js';
import { KnownValues, MIN_KNOWN_SECRET_CHARS } from './known-values.js';
import { createMasker, createStyleMasker, type Masker, type MaskOptions, type RedactionReason } from './mask.js';
import { parseJsonPath, type JsonPathSegment } from './json-paths.js';
import { secretSpansInExcerpt } from './excerpt-overlap.js';
import { findNamedPairs } from './named-pairs.js';
import { credentialWords, nameVariants, type TargetKind, type TargetMatch } from './target-names.js';
import { isSharedSpec } from './shared-spec.js';
import { builtInScanner, patternScanner, URL_PASSWORD_SCANNER, type ValueScanner } from './value-scanners.js';

export type { TargetKind } from './target-names.js';
export { MAX_KNOWN_SECRET_TOTAL_CHARS, MAX_KNOWN_SECRETS } from './known-values.js';

export interface RedactionEntry {
  /** Location of the value in the transaction, for example `http.request.headers.authorization`. */
  field: string;
  reason: RedactionReason;
  /** Id of the rule that asked for the redaction, or LIMIT_RULE for a work limit. */
  rule: string;
}

export interface RedactorOptions extends MaskOptions {
  /** Maximum length of a string in the event, in UTF-16 code units; longer strings are cut. Default 2048. */
  maxValueChars?: number;
  /** Matches per detector masked in one string; beyond them the rest is masked whole. Default 256. */
  maxMatchesPerString?: number;
}

/** Rule id recorded when ctxproc itself masks text, on reaching a work limit. */
export const LIMIT_RULE = 'ctxproc.limits';

/** Rule id recorded when the spec names no source for a target. */
export const UNKNOWN_RULE = 'unknown';

/**
 * Characters scanned beyond the output length, so that a secret that starts
 * before a cut is still recognised whole; 4096 covers common JWTs.
 */
export const SCAN_MARGIN_CHARS = 4096;

const DEFAULT_MAX_VALUE_CHARS = 2048;
const DEFAULT_MAX_MATCHES = 256;
const MAX_NAME_CHARS = 128;
const MAX_FIELD_DEPTH = 16;
const MAX_FIELD_ITEMS = 100;

/** Integers of 13 digits or more could be card numbers written as JSON numbers. */
const MIN_CARD_LIKE_INTEGER = 1e12;

/** Key of RedactionSpec.sources for one target or detector: `header:authorization`, `detector:jwt`. */
export function redactionSourceKey(kind: TargetKind | 'detector', name: string): string {
  return `${kind}:${name.toLowerCase()}`;
}

interface ReasonSpan extends Span {
  reason: RedactionReason;
  /** Key of RedactionSpec.sources behind the span, which selects its mode; absent for work limits. */
  source?: string;
  /** Rule recorded when the span is masked. */
  rule: string;
}

interface FoundSpans {
  spans: ReasonSpan[];
  /** Position at which a scanner stopped at the match limit, or Infinity. */
  unscannedFrom: number;
}

/** Target kinds in the order a name is looked up when the caller prefers none. */
const TARGET_KINDS: readonly TargetKind[] = ['header', 'query_param', 'cookie'];

export class Redactor {
  readonly maxValueChars: number;

  private readonly maxMatches: number;

  private readonly mask: Masker;

  /** Maskers of redact rules that chose a mode, by lower-case source key. */
  private readonly styleMaskers: Map<string, Masker>;

  private readonly targets: Record<TargetKind, Set<string>>;

  private readonly sources: Map<string, string>;

  private readonly detectors: ValueScanner[];

  private readonly recorded = new Map<string, RedactionEntry>();

  private readonly knownValues = new KnownValues();


  private readonly hasTargets: boolean;

  /** JSON-path targets with their parsed steps; the redact action rejected invalid paths at load time. */
  readonly jsonPaths: ReadonlyMap<string, JsonPathSegment[]>;

  /** False while maskExcerpt collects the spans of a whole value, so that only those in the excerpt are recorded. */
  private recording = true;

  private cutValues = 0;

  private cutItems = 0;

  constructor(spec: RedactionSpec, options: RedactorOptions = {}) {
    this.maxValueChars = options.maxValueChars ?? DEFAULT_MAX_VALUE_CHARS;
    this.maxMatches = options.maxMatchesPerString ?? DEFAULT_MAX_MATCHES;
    this.mask = createMasker(options);

    const prepared = preparedSpec(spec);
    this.styleMaskers = prepared.styleMaskers;
    this.targets = prepared.targets;
    this.hasTargets = prepared.hasTargets;
    this.jsonPaths = prepared.jsonPaths;
    this.sources = prepared.sources;
    this.detectors = prepared.detectors;
  }

  /** Returns the redactions made so far, each field, reason and rule once. */
  entries(): RedactionEntry[] {
    return [...this.recorded.values()];
  }

  /** Returns a sentence per work limit reached, for the event's notes. */
  limitNotes(): string[] {
    const notes: string[] = [];
    if (this.cutValues === 1) {
      notes.push(`1 value longer than ${this.maxValueChars} characters was cut`);
    } else if (this.cutValues > 1) {
      notes.push(`${this.cutValues} values longer than ${this.maxValueChars} characters were cut`);
    }
    if (this.cutItems === 1) {
      notes.push(`1 field list or map longer than ${MAX_FIELD_ITEMS} items, or deeper than ${MAX_FIELD_DEPTH} levels, was cut`);
    } else if (this.cutItems > 1) {
      notes.push(`${this.cutItems} field lists or maps longer than ${MAX_FIELD_ITEMS} items, or deeper than ${MAX_FIELD_DEPTH} levels, were cut`);
    }
    return notes;
  }

  /**
   * Returns true when redact rules name `name` as a target of this kind
   * (case-insensitive). A header name also counts by its credential words,
   * so `x-client-secret` and `x-vault-token` are targets where `secret` and
   * `token` are.
   */
  isTarget(kind: TargetKind, name: string): boolean {
    return this.targetOfKind(kind, name.toLowerCase()) !== null;
  }

  /** Masks `value` whole and records it when `name` is a target of this kind, as isTarget decides; else returns null. */
  maskTarget(kind: TargetKind, name: string, field: string, value: string): string | null {
    const target = this.targetOfKind(kind, name.toLowerCase());
    if (target === null) {
      return null;
    }

    this.record(field, kind, this.ruleOf(target.kind, target.name));
    return this.maskerOf(redactionSourceKey(target.kind, target.name))(kind, value);
  }

  /**
   * Returns the target a lower-case name refers to: itself as `kind`, or for
   * a header, itself or a credential word of it as any kind, so that headers
   * named `token` or `x-client-secret` count where `token` and `secret` do.
   */
  private targetOfKind(kind: TargetKind, lower: string): TargetMatch | null {
    if (this.targets[kind].has(lower)) {
      return { kind, name: lower };
    }
    if (kind !== 'header' || !this.hasTargets) {
      return null;
    }

    const whole = this.anyKindTarget(lower);
    if (whole !== null) {
      return whole;
    }
    for (const word of credentialWords(lower)) {
      const target = this.anyKindTarget(word);
      if (target !== null) {
        return target;
      }
    }
    return null;
  }

  /** Returns the target that a lower-case name is in any kind, header first. */
  private anyKindTarget(lower: string): TargetMatch | null {
    for (const kind of TARGET_KINDS) {
      if (this.targets[kind].has(lower)) {
        return { kind, name: lower };
      }
    }
    return null;
  }

  /**
   * Returns the target that `name` refers to, comparing it as
   * target-names.ts describes; `preferred` is tried first, then header,
   * query parameter, cookie.
   */
  targetOf(name: string, preferred?: TargetKind): TargetMatch | null {
    if (!this.hasTargets) {
      return null;
    }

    const kinds = preferred === undefined ? TARGET_KINDS : [preferred, ...TARGET_KINDS.filter((kind) => kind !== preferred)];
    for (const variant of nameVariants(name)) {
      for (const kind of kinds) {
        if (this.targets[kind].has(variant)) {
          return { kind, name: variant };
        }
      }
    }
    return null;
  }

  /**
   * Masks `value` whole and records it when `name` refers to any target
   * (`user[password]` for `password`, `TOK%45N` for `token`); else returns null.
   * `inQuery` is true for a parameter of a URL's query or fragment.
   */
  maskNamedValue(name: string, field: string, value: string, preferred?: TargetKind, inQuery = preferred === 'query_param'): string | null {
    const target = this.targetOf(name, preferred);
    if (target === null) {
      return null;
    }

    const reason = namedReason(target.kind, inQuery);
    this.record(field, reason, this.ruleOf(target.kind, target.name));
    return this.maskerOf(redactionSourceKey(target.kind, target.name))(reason, value);
  }

  /**
   * Masks a value that a JSON-path target selected, records it, and keeps its
   * text as a known value so that copies elsewhere in the event are masked.
   */
  maskJsonPath(path: string, field: string, value: unknown, record = true): string {
    const source = `json_path:${path}`;
    const rule = this.sources.get(source.toLowerCase()) ?? UNKNOWN_RULE;
    const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';

    if (record) {
      this.record(field, 'json_path', rule);
    }
    this.addKnownValue(text, 'json_path', rule, source.toLowerCase());
    return this.maskerOf(source.toLowerCase())('json_path', text);
  }

  /** Records a redaction that the caller made itself, such as dropping the userinfo of a URL. */
  recordRedaction(field: string, reason: RedactionReason, rule: string): void {
    this.record(field, reason, rule);
  }

  /** Masks detector matches in `value` and cuts it to maxValueChars, marking the cut. */
  text(field: string, value: string): string {
    const windowChars = this.maxValueChars + SCAN_MARGIN_CHARS;
    const scanned = this.scan(field, value, windowChars);
    if (value.length <= windowChars) {
      return this.limit(scanned);
    }

    // The scan window can end inside a token longer than the margin, such
    // as a JWT with large claims, which the detectors then never saw whole.
    this.cutValues += 1;
    return cutChars(trimTokenEdge(scanned), this.maxValueChars) + CUT_MARKER;
  }

  /** Cuts an already redacted composite value to maxValueChars, marking the cut. */
  limit(value: string): string {
    if (value.length <= this.maxValueChars) {
      return value;
    }
    this.cutValues += 1;
    return cutChars(value, this.maxValueChars) + CUT_MARKER;
  }

  /** Masks detector matches in a name (header, parameter, cookie or field) and cuts it to 128 characters. */
  name(field: string, name: string): string {
    return cutChars(this.scan(field, name, MAX_NAME_CHARS + SCAN_MARGIN_CHARS), MAX_NAME_CHARS);
  }

  /**
   * Remembers the value of a redacted header, query parameter or cookie, so
   * that `scan` masks it wherever else it appears: in a log field that copied
   * it, in a path, in a note. Values are kept only for this event. The name
   * is compared as `targetOf` compares it.
   */
  addKnownSecret(kind: TargetKind, name: string, value: string): void {
    if (value.length < MIN_KNOWN_SECRET_CHARS || this.knownValues.full) {
      return;
    }

    const target = this.targetOf(name, kind);
    if (target !== null) {
      this.addKnownValue(value, target.kind, this.ruleOf(target.kind, target.name), redactionSourceKey(target.kind, target.name));
    }
  }

  /** Remembers `value` as a secret to mask wherever it appears, with the reason and rule to record and the source that selects its mode. */
  addKnownValue(value: string, reason: RedactionReason, rule: string, source?: string): void {
    this.knownValues.add(value, reason, rule, source);
  }

  /** Number of values that addKnownSecret and addKnownValue kept. */
  get knownSecretCount(): number {
    return this.knownValues.size;
  }

  /**
   * Masks detector matches in the first `windowChars` characters of `value`
   * and drops the rest; the caller cuts the result to its own size.
   */
  scan(field: string, value: string, windowChars: number): string {
    const window = value.length > windowChars ? value.slice(0, windowChars) : value;
    if ((this.detectors.length === 0 && this.knownValues.size === 0 && !this.hasTargets) || window.length === 0) {
      return window;
    }

    const spans: ReasonSpan[] = [];
    const unscannedFrom = this.findSpans(field, window, spans);
    if (spans.length === 0) {
      return window;
    }
    return this.applySpans(field, window, spans, unscannedFrom);
  }

  /**
   * Masks `part`, a piece of `whole` such as a detection excerpt of a body,
   * as scan masks it inside `whole`: a secret whose name lies before the
   * piece, or whose pattern needs context around it, is still masked.
   * Only the secrets that overlap the piece are recorded. A piece that a
   * detector decoded is not found in `whole`, so each secret of `whole`, as
   * written and passed through `decode`, is searched for in it instead.
   * Returns null when no secret of `whole` could be placed in `part`.
   */
  maskExcerpt(field: string, whole: string, part: string, decode: (text: string) => string): string | null {
    if (part.length === 0) {
      return null;
    }
    const at = whole.indexOf(part);
    return at === -1 ? this.maskDecodedExcerpt(field, whole, part, decode) : this.maskLocatedExcerpt(field, whole, part, at);
  }

  /** Masks `part`, found at `at` in `whole`, with the secrets of `whole` that overlap it. */
  private maskLocatedExcerpt(field: string, whole: string, part: string, at: number): string {
    const from = Math.max(0, at - SCAN_MARGIN_CHARS);
    const found = this.silentlyFindSpans(field, whole.slice(from, at + part.length + SCAN_MARGIN_CHARS));

    const offset = at - from;
    const spans: ReasonSpan[] = [];
    for (const span of found.spans) {
      const start = Math.max(span.start - offset, 0);
      const end = Math.min(span.end - offset, part.length);
      if (start < end) {
        spans.push({ ...span, start, end });
      }
    }
    const stop = found.unscannedFrom - offset;
    return this.applyExcerptSpans(field, part, spans, stop >= part.length ? Infinity : Math.max(stop, 0));
  }

  /** Masks in `part` the secrets of `whole`, as written and decoded, or returns null when none is in it. */
  private maskDecodedExcerpt(field: string, whole: string, part: string, decode: (text: string) => string): string | null {
    const found = this.silentlyFindSpans(field, whole);

    const spans: ReasonSpan[] = [];
    for (const span of found.spans) {
      const secret = whole.slice(span.start, span.end);
      const decoded = decode(secret);
      for (const form of decoded === secret ? [secret] : [secret, decoded]) {
        for (const piece of secretSpansInExcerpt(form, part, MIN_KNOWN_SECRET_CHARS)) {
          spans.push({ ...span, ...piece });
        }
      }
    }
    return spans.length === 0 ? null : this.applyExcerptSpans(field, part, spans, Infinity);
  }

  /** Finds the spans of `window` without recording them; the caller records those it masks. */
  private silentlyFindSpans(field: string, window: string): FoundSpans {
    this.recording = false;
    try {
      const spans: ReasonSpan[] = [];
      const unscannedFrom = this.findSpans(field, window, spans);
      return { spans, unscannedFrom };
    } finally {
      this.recording = true;
    }
  }

  private applyExcerptSpans(field: string, part: string, spans: ReasonSpan[], unscannedFrom: number): string {
    for (const span of spans) {
      this.record(field, span.reason, span.rule);
    }
    return spans.length === 0 && unscannedFrom === Infinity ? part : this.applySpans(field, part, spans, unscannedFrom);
  }

  /**
   * Adds the spans of every secret in `window` to `spans`: known values,
   * named pairs, then detectors. Returns the position at which a scanner
   * stopped at the match limit, or Infinity.
   */
  private findSpans(field: string, window: string, spans: ReasonSpan[]): number {
    let unscannedFrom = Math.min(this.findKnownSecrets(field, window, spans), this.findNamedValues(field, window, spans));
    for (const detector of this.detectors) {
      const found = detector.find(window, this.maxMatches);
      if (found.length === 0) {
        continue;
      }

      const rule = detector.rule ?? this.sources.get(detector.source) ?? UNKNOWN_RULE;
      this.record(field, detector.reason, rule);
      for (const span of found) {
        spans.push({ start: span.start, end: span.end, reason: detector.reason, source: detector.source, rule });
      }
      if (found.length === this.maxMatches) {
        unscannedFrom = Math.min(unscannedFrom, found[found.length - 1]!.end);
      }
    }
    return unscannedFrom;
  }

  /** Redacts a value that rules put into the event: strings, numbers, and the keys of maps. */
  fieldValue(path: string, value: FieldValue, depth = 0): FieldValue {
    if (typeof value === 'string') {
      return this.text(path, value);
    }
    if (typeof value === 'number') {
      return this.number(path, value);
    }
    if (value === null || typeof value === 'boolean') {
      return value;
    }
    if (depth >= MAX_FIELD_DEPTH) {
      this.cutItems += 1;
      return CUT_MARKER;
    }

    if (Array.isArray(value)) {
      return this.list(path, value, depth);
    }
    return this.map(path, value, depth);
  }

  private list(path: string, items: FieldValue[], depth: number): FieldValue[] {
    if (items.length > MAX_FIELD_ITEMS) {
      this.cutItems += 1;
    }
    return items.slice(0, MAX_FIELD_ITEMS).map((item) => this.fieldValue(path, item, depth + 1));
  }

  /** Masks whole the value of a key that names a redacted header, parameter or cookie. */
  private map(path: string, entries: { [key: string]: FieldValue }, depth: number): { [key: string]: FieldValue } {
    const result: { [key: string]: FieldValue } = Object.create(null);
    const keys = Object.keys(entries);
    if (keys.length > MAX_FIELD_ITEMS) {
      this.cutItems += 1;
    }

    for (const key of keys.slice(0, MAX_FIELD_ITEMS)) {
      const safeKey = this.name(path, key);
      const field = `${path}.${safeKey}`;
      const value = entries[key]!;
      const serialised = typeof value === 'string' ? value : JSON.stringify(value);
      result[safeKey] = this.maskNamedValue(key, field, serialised) ?? this.fieldValue(field, value, depth + 1);
    }
    return result;
  }

  private number(path: string, value: number): FieldValue {
    if (!Number.isSafeInteger(value) || Math.abs(value) < MIN_CARD_LIKE_INTEGER) {
      return value;
    }
    const digits = String(value);
    const scanned = this.scan(path, digits, digits.length);
    return scanned === digits ? value : scanned;
  }

  /**
   * Adds the occurrences of each known secret to `spans`, at most
   * maxMatches per secret, and returns where the first secret that reached
   * that limit stopped being searched (Infinity when none did).
   */
  private findKnownSecrets(field: string, text: string, spans: ReasonSpan[]): number {
    const { matches, unscannedFrom } = this.knownValues.find(text, this.maxMatches);
    for (const { known, spans: found } of matches) {
      this.record(field, known.reason, known.rule);
      for (const span of found) {
        spans.push({ ...span, reason: known.reason, source: known.source, rule: known.rule });
      }
    }
    return unscannedFrom;
  }

  /**
   * Adds the values of `name=value` and `"name": value` pairs whose name
   * refers to a target, and returns where the search stopped at the match
   * limit (Infinity when it did not).
   */
  private findNamedValues(field: string, text: string, spans: ReasonSpan[]): number {
    if (!this.hasTargets) {
      return Infinity;
    }

    const found = findNamedPairs(text, (name) => this.targetOf(name), this.maxMatches);
    for (const pair of found.spans) {
      const rule = this.ruleOf(pair.target.kind, pair.target.name);
      const reason = namedReason(pair.target.kind, false);
      this.record(field, reason, rule);
      spans.push({ start: pair.start, end: pair.end, reason, source: redactionSourceKey(pair.target.kind, pair.target.name), rule });
    }
    return found.unscannedFrom;
  }

  /** Returns the masker of the redact rule behind source, or the event's default masker. */
  private maskerOf(source: string | undefined): Masker {
    return (source === undefined ? undefined : this.styleMaskers.get(source)) ?? this.mask;
  }

  private ruleOf(kind: TargetKind, name: string): string {
    return this.sources.get(redactionSourceKey(kind, name)) ?? UNKNOWN_RULE;
  }

  /** Replaces the spans, merging overlaps; masks whole the text a detector did not finish. */
  private applySpans(field: string, text: string, spans: ReasonSpan[], unscannedFrom: number): string {
    spans.sort((left, right) => left.start - right.start || right.end - left.end);

    let output = '';
    let cursor = 0;
    let index = 0;
    while (index < spans.length && spans[index]!.start < unscannedFrom) {
      const first = spans[index]!;
      let end = first.end;
      index += 1;
      while (index < spans.length && spans[index]!.start < end) {
        end = Math.max(end, spans[index]!.end);
        index += 1;
      }

      const start = Math.max(first.start, cursor);
      output += text.slice(cursor, start) + this.maskerOf(first.source)(first.reason, text.slice(start, end));
      cursor = end;
    }

    if (unscannedFrom === Infinity || cursor >= text.length) {
      return output + text.slice(cursor);
    }
    this.record(field, 'match_limit', LIMIT_RULE);
    const restStart = Math.max(cursor, unscannedFrom);
    return output + text.slice(cursor, restStart) + this.mask('match_limit', text.slice(restStart));
  }

  private record(field: string, reason: RedactionReason, rule: string): void {
    if (!this.recording) {
      return;
    }
    const key = `${field}\u0000${reason}\u0000${rule}`;
    if (!this.recorded.has(key)) {
      this.recorded.set(key, { field, reason, rule });
    }
  }
}

/**
 * Returns the reason for a value masked because of its name. Query parameter
 * names double as the list of credential field names, so outside a URL's
 * query such a match is a `named_value`: a JSON or form body field named
 * `password` is not a query parameter. Header and cookie names keep their
 * kind wherever they are found, such as `Authorization: ...` in a header dump.
 */
function namedReason(kind: TargetKind, inQuery: boolean): RedactionReason {
  return kind === 'query_param' && !inQuery ? 'named_value' : kind;
}

/** The parts of a spec a Redactor reads, made ready for lookups. No Redactor changes them. */
interface PreparedSpec {
  styleMaskers: Map<string, Masker>;
  targets: Record<TargetKind, Set<string>>;
  hasTargets: boolean;
  jsonPaths: Map<string, JsonPathSegment[]>;
  sources: Map<string, string>;
  detectors: ValueScanner[];
}

/** Prepared shared specs; a shared spec never changes, so its preparation serves every event that uses it. */
const preparedShared = new WeakMap<RedactionSpec, PreparedSpec>();

function preparedSpec(spec: RedactionSpec): PreparedSpec {
  if (!isSharedSpec(spec)) {
    return prepareSpec(spec);
  }
  let prepared = preparedShared.get(spec);
  if (prepared === undefined) {
    prepared = prepareSpec(spec);
    preparedShared.set(spec, prepared);
  }
  return prepared;
}

function prepareSpec(spec: RedactionSpec): PreparedSpec {
  const targets = {
    header: lowerCased(spec.headers),
    query_param: lowerCased(spec.queryParams),
    cookie: lowerCased(spec.cookies),
  };
  return {
    styleMaskers: new Map([...(spec.styles ?? [])].map(([key, style]) => [key.toLowerCase(), createStyleMasker(style)])),
    targets,
    hasTargets: Object.values(targets).some((names) => names.size > 0),
    jsonPaths: parsedPaths(spec.jsonPaths ?? new Set()),
    sources: new Map([...spec.sources].map(([key, rule]) => [key.toLowerCase(), rule])),
    // Registry order, not rule order, so that the reason shown for overlapping matches is stable.
    detectors: [
      ...Object.values(DETECTORS)
        .filter((detector) => spec.detectors.has(detector.name))
        .map((detector) => builtInScanner(detector)),
      ...[...(spec.patterns ?? new Map<string, RegExp>())].map(([name, regex]) => patternScanner(name, regex)),
      URL_PASSWORD_SCANNER,
    ],
  };
}

function parsedPaths(paths: ReadonlySet<string>): Map<string, JsonPathSegment[]> {
  const parsed = new Map<string, JsonPathSegment[]>();
  for (const path of paths) {
    const segments = parseJsonPath(path);
    if (segments !== null) {
      parsed.set(path, segments);
    }
  }
  return parsed;
}

function lowerCased(names: Set<string>): Set<string> {
  return new Set([...names].map((name) => name.toLowerCase()));
}
