// libddwaf as the second engine of the corpus report: the real engine with
// the recommended rules of the installed dd-trace, and the report it leaves
// when the package is missing, as in a production install.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HttpRequestSpec } from '../../../src/client/types.js';
import { loadLibddwaf } from '../../../src/detection/corpus/libddwaf.js';

function get(path: string): HttpRequestSpec {
  return { method: 'GET', path, scheme: 'http', authority: 'localhost', headers: [['user-agent', 'corpus-test']] };
}

test('libddwaf flags injection, passes plain query', () => {
  const libddwaf = loadLibddwaf();
  if ('unavailable' in libddwaf) {
    assert.fail(`libddwaf is a devDependency and must load in a development install: ${libddwaf.unavailable}`);
  }
  try {
    assert.match(libddwaf.description, /^libddwaf \d+\.\d+\.\d+, recommended rules /);
    assert.ok(libddwaf.classesOf(get(`/items?id=${encodeURIComponent("7' or 'k'='k")}`)).has('sqli'));
    assert.deepEqual([...libddwaf.classesOf(get('/items?note=lunch%20at%20noon'))], []);
  } finally {
    libddwaf.dispose();
  }
});

test('missing package leaves libddwaf unavailable', () => {
  const libddwaf = loadLibddwaf({ appsec: '@datadog/ctxproc-absent-package', tracer: 'dd-trace' });

  assert.ok('unavailable' in libddwaf);
  assert.match(libddwaf.unavailable, /@datadog\/ctxproc-absent-package/);
  assert.match(libddwaf.unavailable, /npm ci/);
});
