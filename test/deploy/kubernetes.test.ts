// Builds deploy/base and deploy/overlays/example with the Kustomize subset
// and checks every object against the Kubernetes API schema
// (kubernetes-models validation plus a strict unknown-field check). It also
// checks the settings that keep ctxproc available, and runs the real CLI
// with the Deployment's environment and the generated rules ConfigMap laid
// out as the kubelet mounts it.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import path from 'node:path';
import { test } from 'node:test';
import { checkHealth } from '../helpers/grpc-health.js';
import { KubernetesKeyChecker } from '../helpers/k8s-schema/strict-keys.js';
import { validateWithModel } from '../helpers/k8s-schema/models.js';
import { kustomizeBuild } from '../helpers/kustomize/build.js';
import { startCli } from '../helpers/spawn-ctxproc.js';
import { breakText, makeTempDirectory } from './broken-copy.js';
import { repoPath, type Json } from './envoy-config.js';

const BASE = repoPath('deploy', 'base');
const OVERLAY = repoPath('deploy', 'overlays', 'example');

const base = kustomizeBuild(BASE);
const overlay = kustomizeBuild(OVERLAY);
const keyChecker = new KubernetesKeyChecker([...base, ...overlay] as Array<{ apiVersion: string; kind: string }>);

function find(objects: Json[], kind: string): Json {
  const found = objects.find((object) => object.kind === kind);
  assert.ok(found, `no ${kind} in the build output`);
  return found;
}

async function schemaProblems(objects: Json[], checker = keyChecker): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) {
    const id = `${object.kind}/${object.metadata.name}`;
    const invalid = await validateWithModel(object);
    if (invalid) {
      problems.push(`${id}: ${invalid}`);
    }
    for (const unknown of checker.check(object)) {
      problems.push(`${id} ${unknown.path}: ${unknown.message}`);
    }
  }
  return problems;
}

/** Copies deploy/ to a temporary directory, applies one breakage to one file, and builds the overlay there. */
function buildBrokenOverlay(file: string, find: string, replace: string): Json[] {
  const copy = makeTempDirectory('ctxproc-deploy-');
  cpSync(repoPath('deploy'), copy, { recursive: true });
  const target = path.join(copy, path.relative(repoPath('deploy'), file));
  writeFileSync(target, breakText(file, { find, replace }));
  return kustomizeBuild(path.join(copy, 'overlays', 'example'));
}

test('kustomize base and overlay match the API schema', async () => {
  assert.deepEqual(await schemaProblems(base), []);
  assert.deepEqual(await schemaProblems(overlay), []);
});

test('kustomize broken copies fail', async () => {
  const base = (name: string) => path.join(BASE, name);
  const example = (name: string) => path.join(OVERLAY, name);
  const cases = [
    { file: base('kustomization.yaml'), find: 'configMapGenerator:', replace: 'configMapGenerater:', reason: /configMapGenerater not supported/ },
    { file: base('kustomization.yaml'), find: 'namespace: ctxproc', replace: 'namespace: [ctxproc]', reason: /invalid namespace/ },
    { file: base('namespace.yaml'), find: 'metadata:', replace: 'metdata:', reason: /a Namespace has no metadata.name string/ },
    { file: base('namespace.yaml'), find: 'name: ctxproc', replace: 'name: [ctxproc]', reason: /a Namespace has no metadata.name string/ },
    { file: base('serviceaccount.yaml'), find: 'automountServiceAccountToken', replace: 'automountServiceAcountToken', reason: /unknown field automountServiceAcountToken/ },
    { file: base('serviceaccount.yaml'), find: 'automountServiceAccountToken: false', replace: 'automountServiceAccountToken: "no"', reason: /automountServiceAccountToken.*must be boolean/ },
    { file: base('deployment.yaml'), find: 'readinessProbe:', replace: 'readinesProbe:', reason: /unknown field readinesProbe; did you mean readinessProbe/ },
    { file: base('deployment.yaml'), find: 'terminationGracePeriodSeconds: 35', replace: 'terminationGracePeriodSeconds: 35s', reason: /terminationGracePeriodSeconds.*must be integer/ },
    { file: base('service.yaml'), find: '      appProtocol: grpc', replace: '      appProtocl: grpc', reason: /unknown field appProtocl/ },
    { file: base('service.yaml'), find: 'port: 50051', replace: 'port: "50051"', reason: /port.*must be integer/ },
    { file: base('poddisruptionbudget.yaml'), find: 'minAvailable: 1', replace: 'minAvailabe: 1', reason: /unknown field minAvailabe/ },
    { file: base('poddisruptionbudget.yaml'), find: 'minAvailable: 1', replace: 'minAvailable: [1]', reason: /minAvailable/ },
    { file: base('horizontalpodautoscaler.yaml'), find: 'maxReplicas: 10', replace: 'maxReplica: 10', reason: /unknown field maxReplica/ },
    { file: base('horizontalpodautoscaler.yaml'), find: 'minReplicas: 2', replace: 'minReplicas: "2"', reason: /minReplicas.*must be integer/ },
    { file: example('kustomization.yaml'), find: 'images:', replace: 'image:', reason: /image not supported/ },
    { file: example('kustomization.yaml'), find: 'behavior: merge', replace: 'behavior: append', reason: /invalid behavior append/ },
    { file: example('deployment-patch.yaml'), find: '          resources:', replace: '          resource:', reason: /unknown field resource; did you mean resources/ },
    { file: example('deployment-patch.yaml'), find: 'replicas: 3', replace: 'replicas: three', reason: /replicas.*must be integer/ },
    { file: example('networkpolicy.yaml'), find: 'policyTypes: [Ingress]', replace: 'policyType: [Ingress]', reason: /unknown field policyType/ },
    { file: example('networkpolicy.yaml'), find: 'port: 9191', replace: 'port: true', reason: /port/ },
  ];

  for (const { file, find: text, replace, reason } of cases) {
    const problems = await brokenOverlayProblems(file, text, replace);
    const label = `${path.relative(repoPath('deploy'), file)} with ${replace}`;
    assert.ok(problems.some((problem) => reason.test(problem)), `${label}: expected ${reason}, found ${problems.join('\n') || 'no problem'}`);
  }
});

/** Returns the build error, or the schema problems, of the overlay built from a broken copy of deploy/. */
async function brokenOverlayProblems(file: string, find: string, replace: string): Promise<string[]> {
  let objects: Json[];
  try {
    objects = buildBrokenOverlay(file, find, replace);
  } catch (error) {
    return [(error as Error).message];
  }
  return schemaProblems(objects);
}

test('kustomize base rules copy the shipped rules', () => {
  const shipped = readdirSync(repoPath('rules')).filter((name) => name.endsWith('.yaml')).sort();
  assert.deepEqual(readdirSync(path.join(BASE, 'rules')).sort(), shipped, 'deploy/base/rules must hold exactly the files of rules/');
  for (const name of shipped) {
    assert.equal(readFileSync(path.join(BASE, 'rules', name), 'utf8'), readFileSync(repoPath('rules', name), 'utf8'), `deploy/base/rules/${name} differs from rules/${name}; copy it again`);
  }
});

test('kustomize rules change renames the ConfigMap', () => {
  const changed = buildBrokenOverlay(path.join(OVERLAY, 'rules', 'storefront.yaml'), "startsWith('/admin')", "startsWith('/internal')");
  const before = find(overlay, 'ConfigMap').metadata.name;
  const after = find(changed, 'ConfigMap').metadata.name;
  const mounted = find(changed, 'Deployment').spec.template.spec.volumes.find((volume: Json) => volume.name === 'rules').configMap.name;

  assert.match(before, /^ctxproc-rules-[a-z0-9]{10}$/);
  assert.notEqual(after, before);
  assert.equal(mounted, after);
});

test('deployment is hardened and probed', () => {
  const deployment = find(overlay, 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const adminPort = container.ports.find((port: Json) => port.name === 'admin');

  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.ok(pod.securityContext.runAsUser > 0);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
  assert.ok(container.resources.requests.cpu, 'cpu request');
  assert.ok(container.resources.requests.memory, 'memory request');
  assert.ok(container.resources.limits.cpu, 'cpu limit');
  assert.ok(container.resources.limits.memory, 'memory limit');
  assert.equal(container.image, 'registry.example.com/security/ctxproc:0.1.0');
  assert.ok(adminPort, 'the admin port needs a name for the probes');
  for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
    assert.equal(container[probe].httpGet.port, 'admin', `${probe} must use the admin port`);
  }
});

test('deployment grace outlasts the drain', () => {
  const pod = find(overlay, 'Deployment').spec.template.spec;
  const env = new Map<string, string>(pod.containers[0].env.filter((item: Json) => 'value' in item).map((item: Json) => [item.name, item.value]));
  const shutdownGraceMs = Number(env.get('CTXPROC_SHUTDOWN_GRACE_MS') ?? 20000);
  const preStopMs = (pod.containers[0].lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;

  assert.ok(pod.terminationGracePeriodSeconds * 1000 > shutdownGraceMs + preStopMs,
    `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} must exceed ${shutdownGraceMs + preStopMs} ms`);
});

test('selectors match the pods', () => {
  const podLabels: Json = find(overlay, 'Deployment').spec.template.metadata.labels;
  const selects = (selector: Json) => Object.entries(selector).every(([key, value]) => podLabels[key] === value);

  assert.ok(selects(find(overlay, 'Deployment').spec.selector.matchLabels));
  assert.ok(selects(find(overlay, 'Service').spec.selector));
  assert.ok(selects(find(overlay, 'PodDisruptionBudget').spec.selector.matchLabels));
  assert.ok(selects(find(overlay, 'NetworkPolicy').spec.podSelector.matchLabels));
  assert.equal(find(overlay, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name, find(overlay, 'Deployment').metadata.name);
});

test('service speaks gRPC on the container port', () => {
  const service = find(overlay, 'Service');
  const grpc = service.spec.ports.find((port: Json) => port.name === 'grpc');
  const containerPort = find(overlay, 'Deployment').spec.template.spec.containers[0].ports.find((port: Json) => port.name === 'grpc');

  assert.equal(grpc.appProtocol, 'grpc');
  assert.equal(grpc.targetPort, 'grpc');
  assert.equal(containerPort.containerPort, 50051);
});

test('datadog tags and annotations agree', () => {
  const deployment = find(overlay, 'Deployment');
  const template = deployment.spec.template.metadata;
  const container = deployment.spec.template.spec.containers[0];
  const checks = JSON.parse(template.annotations[`ad.datadoghq.com/${container.name}.checks`]);
  const logs = JSON.parse(template.annotations[`ad.datadoghq.com/${container.name}.logs`]);

  for (const tag of ['env', 'service', 'version']) {
    const label = `tags.datadoghq.com/${tag}`;
    assert.equal(template.labels[label], deployment.metadata.labels[label], `${label} differs between Deployment and pod`);
    const variable = container.env.find((item: Json) => item.name === `DD_${tag.toUpperCase()}`);
    assert.equal(variable.valueFrom.fieldRef.fieldPath, `metadata.labels['${label}']`);
  }
  assert.equal(template.labels['tags.datadoghq.com/env'], 'production');
  assert.equal(logs[0].source, 'ctxproc');
  assert.match(checks.openmetrics.instances[0].openmetrics_endpoint, /:9191\/metrics$/);
});

test('deployment environment runs the real service', async (t) => {
  const deployment = find(overlay, 'Deployment');
  const pod = deployment.spec.template;
  const container = pod.spec.containers[0];
  const configMap = find(overlay, 'ConfigMap');
  const rulesDirectory = mountConfigMap(configMap.data);

  const env: Record<string, string> = {};
  for (const item of container.env as Json[]) {
    env[item.name] = item.value ?? resolveFieldRef(item.valueFrom.fieldRef.fieldPath, pod.metadata);
  }
  env.CTXPROC_RULES = rulesDirectory;

  const cli = await startCli([], env);
  let exitCode: Promise<number | null> | null = null;
  const stop = () => (exitCode ??= cli.stop());
  t.after(stop);
  const admin = `http://127.0.0.1:${cli.adminPort}`;

  for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
    const response = await fetch(`${admin}${container[probe].httpGet.path}`);
    assert.equal(response.status, 200, `${probe} ${container[probe].httpGet.path}`);
  }
  const rules = (await (await fetch(`${admin}/rules`)).json()) as Json;
  const expectedRules = Object.values(configMap.data as Record<string, string>).reduce((count, text) => count + ((parseYaml(text) as { rules: unknown[] }).rules.length), 0);
  assert.equal(rules.ruleCount, expectedRules, 'the service must load every rule of every ConfigMap key');
  assert.equal(await checkHealth(`127.0.0.1:${cli.grpcPort}`, 'envoy.service.ext_proc.v3.ExternalProcessor'), 'SERVING');
  assert.equal(await stop(), 0);
});

/** Writes ConfigMap data as the kubelet mounts it: a timestamped directory, a ..data link to it, and one link per key. */
function mountConfigMap(data: Record<string, string>): string {
  const volume = makeTempDirectory('ctxproc-configmap-');
  const timestamped = '..2026_12_04_00_00_00.000000001';
  mkdirSync(path.join(volume, timestamped));
  for (const [key, value] of Object.entries(data)) {
    writeFileSync(path.join(volume, timestamped, key), value);
    symlinkSync(path.join('..data', key), path.join(volume, key));
  }
  symlinkSync(timestamped, path.join(volume, '..data'));
  return volume;
}

function resolveFieldRef(fieldPath: string, metadata: Json): string {
  const label = /^metadata\.labels\['(.+)'\]$/.exec(fieldPath);
  assert.ok(label, `unsupported fieldRef ${fieldPath}`);
  return String(metadata.labels[label[1]!] ?? '');
}
