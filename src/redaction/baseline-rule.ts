// The rule id of the baseline redaction, in a module of its own so that the
// redactor can record baseline redactions without importing baseline.ts,
// which imports the redactor.

/** Rule id recorded for redactions that the baseline asked for and no rule did. */
export const BASELINE_RULE = 'ctxproc.baseline';
