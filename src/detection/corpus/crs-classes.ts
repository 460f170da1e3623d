// Maps OWASP CRS rule ids to ctxproc detection classes, through the rule
// file each id belongs to (rule-levels.tsv of the corpus). The file name's
// number gives the attack family: 942 is SQL injection, 951 SQL error
// leakage, and so on. No rule text is read.
import fs from 'node:fs/promises';

/** Paranoia level and rule file of one CRS rule id. */
export interface CrsRule {
  paranoiaLevel: number;
  /** e.g. `REQUEST-942-APPLICATION-ATTACK-SQLI`. */
  file: string;
}

/** The class tests of one rule file count for, and the classes accepted as a right detection. */
export interface CorpusClass {
  name: string;
  side: 'request' | 'response';
  /** Detection classes that count as right: CRS "generic" includes SSRF, for example. */
  accepted: readonly string[];
}

// CRS rule-file numbers and the class each family maps to. Files missing
// here (901 initialisation, 949/959 blocking evaluation, 980 correlation)
// hold control rules that detect nothing.
const CLASS_BY_FILE_NUMBER: Record<string, CorpusClass> = {
  '911': { name: 'protocol', side: 'request', accepted: ['protocol'] },
  '913': { name: 'scanner', side: 'request', accepted: ['scanner'] },
  '920': { name: 'protocol', side: 'request', accepted: ['protocol'] },
  '921': { name: 'protocol', side: 'request', accepted: ['protocol'] },
  '922': { name: 'protocol', side: 'request', accepted: ['protocol'] },
  '930': { name: 'lfi', side: 'request', accepted: ['lfi'] },
  '931': { name: 'rfi', side: 'request', accepted: ['rfi'] },
  '932': { name: 'rce', side: 'request', accepted: ['rce'] },
  '933': { name: 'php', side: 'request', accepted: ['php'] },
  '934': { name: 'generic', side: 'request', accepted: ['generic', 'ssrf'] },
  '941': { name: 'xss', side: 'request', accepted: ['xss'] },
  '942': { name: 'sqli', side: 'request', accepted: ['sqli', 'nosqli'] },
  '943': { name: 'session_fixation', side: 'request', accepted: ['session_fixation'] },
  '944': { name: 'java', side: 'request', accepted: ['java'] },
  '950': { name: 'stack_trace', side: 'response', accepted: ['stack_trace', 'source_leak'] },
  '951': { name: 'sql_error', side: 'response', accepted: ['sql_error'] },
  '952': { name: 'stack_trace', side: 'response', accepted: ['stack_trace'] },
  '953': { name: 'source_leak', side: 'response', accepted: ['source_leak', 'stack_trace'] },
  '954': { name: 'stack_trace', side: 'response', accepted: ['stack_trace', 'source_leak'] },
  '955': { name: 'web_shell', side: 'response', accepted: ['web_shell'] },
};

/** Classes whose mean detection rate the targets are stated over. */
export const TARGET_CLASSES = ['sqli', 'xss', 'lfi', 'rfi', 'rce', 'php', 'java', 'generic'] as const;

/** Reads rule-levels.tsv (`rule_id`, `paranoia_level`, `rule_file`, tab-separated, one header line). */
export async function readRuleLevels(filePath: string): Promise<Map<number, CrsRule>> {
  const text = await fs.readFile(filePath, 'utf8');
  const rules = new Map<number, CrsRule>();
  for (const line of text.split('\n').slice(1)) {
    const [id, level, file] = line.trim().split('\t');
    if (id === undefined || level === undefined || file === undefined) {
      continue;
    }
    rules.set(Number(id), { paranoiaLevel: Number(level), file });
  }
  return rules;
}

/** Returns the class of a CRS rule file such as `REQUEST-942-APPLICATION-ATTACK-SQLI`, or undefined for control files. */
export function classOfRuleFile(file: string): CorpusClass | undefined {
  const number = /^(?:REQUEST|RESPONSE)-(\d{3})-/.exec(file)?.[1];
  return number === undefined ? undefined : CLASS_BY_FILE_NUMBER[number];
}

/**
 * Returns the class an attack test counts for: that of its first expected
 * rule of paranoia level 1. Undefined when no expected rule is of level 1,
 * because such tests are out of scope for the default CRS setting.
 */
export function attackClassOf(expectIds: readonly number[], rules: ReadonlyMap<number, CrsRule>): CorpusClass | undefined {
  for (const id of expectIds) {
    const rule = rules.get(id);
    if (rule?.paranoiaLevel === 1) {
      const corpusClass = classOfRuleFile(rule.file);
      if (corpusClass !== undefined) {
        return corpusClass;
      }
    }
  }
  return undefined;
}

/**
 * Returns the classes a false-positive test must not be flagged as: those
 * of the rule files of its `no_expect_ids`, at any paranoia level. Such a
 * test often carries an attack of another class, so only these count.
 */
export function benignClassesOf(noExpectIds: readonly number[], rules: ReadonlyMap<number, CrsRule>): CorpusClass[] {
  const classes = new Map<string, CorpusClass>();
  for (const id of noExpectIds) {
    const rule = rules.get(id);
    const corpusClass = rule === undefined ? undefined : classOfRuleFile(rule.file);
    if (corpusClass !== undefined) {
      classes.set(corpusClass.name, corpusClass);
    }
  }
  return [...classes.values()];
}
