// Cases of the Kustomize subset that the deployment tests build with: the
// ConfigMap hash against the expected values in Kustomize's own hasher
// tests, strategic merge, and image rewrites.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configMapHash } from '../helpers/kustomize/config-map-hash.js';
import { strategicMerge } from '../helpers/kustomize/strategic-merge.js';
import { setImages } from '../helpers/kustomize/transformers.js';

test('config map hash matches kustomize', () => {
  // Expected values from TestConfigMapHash in Kustomize's hasher tests, for
  // ConfigMaps without a name.
  assert.equal(configMapHash('', {}), '42745tchd9');
  assert.equal(configMapHash('', { one: '' }), '9g67k2htb6');
  assert.equal(configMapHash('', { two: '2', one: '', three: '3' }), 'f5h7t85m9b');
});

test('config map hash follows name and data', () => {
  const base = configMapHash('ctxproc-rules', { 'default.yaml': 'a' });
  assert.notEqual(configMapHash('ctxproc-rules', { 'default.yaml': 'b' }), base);
  assert.notEqual(configMapHash('other', { 'default.yaml': 'a' }), base);
  assert.match(base, /^[0-9a-z]{10}$/);
  assert.doesNotMatch(base, /[013ae]/);
});

test('strategic merge merges named lists', () => {
  const target = {
    spec: {
      replicas: 2,
      containers: [
        { name: 'ctxproc', image: 'a', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], args: ['x', 'y'] },
        { name: 'sidecar', image: 's' },
      ],
    },
  };
  const patch = { spec: { replicas: null, containers: [{ name: 'ctxproc', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }], args: ['z'] }] } };
  const merged = strategicMerge(target, patch) as typeof target;
  const ctxproc = merged.spec.containers[0]!;

  assert.equal('replicas' in merged.spec, false);
  assert.equal(merged.spec.containers.length, 2);
  assert.equal(ctxproc.image, 'a');
  assert.deepEqual(ctxproc.env, [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }]);
  assert.deepEqual(ctxproc.args, ['z']);
  assert.equal(target.spec.replicas, 2, 'the target is not changed');
});

test('strategic merge rejects directives', () => {
  assert.throws(() => strategicMerge({ a: 1 }, { $patch: 'replace' }), /\$patch is not supported/);
  assert.throws(() => strategicMerge({ containers: [{ name: 'a' }] }, { containers: [{ image: 'b' }] }, ''), /has no name/);
});

test('images rewrite name and tag', () => {
  const deployment = (image: string) => ({ object: { kind: 'Deployment', spec: { template: { spec: { containers: [{ name: 'c', image }] } } } } });
  const cases: Array<[string, { name: string; newName?: string; newTag?: string; digest?: string }, string]> = [
    ['ctxproc:0.1.0', { name: 'ctxproc', newName: 'registry.example.com/ctxproc' }, 'registry.example.com/ctxproc:0.1.0'],
    ['ctxproc:0.1.0', { name: 'ctxproc', newTag: '0.2.0' }, 'ctxproc:0.2.0'],
    ['ctxproc', { name: 'ctxproc', digest: 'sha256:abc' }, 'ctxproc@sha256:abc'],
    ['registry:5000/ctxproc:1', { name: 'registry:5000/ctxproc', newTag: '2' }, 'registry:5000/ctxproc:2'],
    ['other:1', { name: 'ctxproc', newTag: '2' }, 'other:1'],
  ];

  for (const [image, entry, expected] of cases) {
    const resource = deployment(image);
    setImages([resource], [entry]);
    assert.equal(resource.object.spec.template.spec.containers[0]!.image, expected, `${image} with ${JSON.stringify(entry)}`);
  }
});
