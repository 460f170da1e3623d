// Checks that secrets are absent from some output in the forms they take in
// JSON logs: as written, URL-encoded, base64 and JSON-escaped.
import assert from 'node:assert/strict';

/** Returns the forms a secret can take in JSON output. */
export function secretForms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), JSON.stringify(secret).slice(1, -1)];
}

/** Fails, naming `where` and the first characters of the form found, when output contains any form of any secret. */
export function assertNoSecretForms(output: string, secrets: readonly string[], where: string): void {
  for (const secret of secrets) {
    for (const form of secretForms(secret)) {
      assert.ok(!output.includes(form), `${where} (${form.slice(0, 6)}...)`);
    }
  }
}
