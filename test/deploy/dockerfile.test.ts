// Checks the Dockerfile without a container engine, because none runs here.
// The tests cover the Node.js major version, the stages and the non-root
// user. They also check that the runtime stage copies every file ctxproc
// reads, that only production dependencies are imported, and that ctxproc
// starts from exactly that file set.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { kustomizeBuild } from '../helpers/kustomize/build.js';
import { makeTempDirectory } from './broken-copy.js';
import { repoPath } from './envoy-config.js';

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

const packageJson = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const dockerfile = readFileSync(repoPath('Dockerfile'), 'utf8');
const dockerignore = readFileSync(repoPath('.dockerignore'), 'utf8').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
const instructions = parseDockerfile(dockerfile);
const stages = Math.max(...instructions.map((instruction) => instruction.stage)) + 1;
const runtime = instructions.filter((instruction) => instruction.stage === stages - 1);

/** Splits a Dockerfile into instructions and joins continuation lines. ARG values are substituted into FROM. */
function parseDockerfile(text: string): Instruction[] {
  const logical = text.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  const args = new Map<string, string>();
  const parsed: Instruction[] = [];
  let stage = -1;

  for (const line of logical) {
    const [keyword, ...rest] = line.split(/\s+/);
    let value = rest.join(' ');
    if (keyword === 'ARG' && stage === -1) {
      const [name, defaultValue] = value.split('=', 2);
      args.set(name!, defaultValue ?? '');
    }
    if (keyword === 'FROM') {
      stage += 1;
      value = value.replace(/\$\{(\w+)\}/g, (_match, name: string) => args.get(name) ?? '');
    }
    parsed.push({ keyword: keyword!, args: value, stage });
  }
  return parsed;
}

function runtimeCopies(): Array<{ from: string | null; source: string; target: string }> {
  return runtime
    .filter((instruction) => instruction.keyword === 'COPY')
    .map((instruction) => {
      const parts = instruction.args.split(/\s+/);
      const from = parts[0]!.startsWith('--from=') ? parts.shift()!.slice('--from='.length) : null;
      return { from, source: parts[0]!, target: parts[1]! };
    });
}

test('dockerfile uses the pinned Node.js major', () => {
  const major = packageJson.dependencies.node!.split('.')[0];
  const images = instructions.filter((instruction) => instruction.keyword === 'FROM').map((instruction) => instruction.args.split(/\s+/)[0]!);

  assert.equal(stages, 2, 'a build stage and a runtime stage');
  for (const image of images) {
    assert.match(image, new RegExp(`^node:${major}(\\.|-|$)`), `${image} must be a node:${major} image`);
  }
});

test('dockerfile builds then prunes dev deps', () => {
  const build = instructions.filter((instruction) => instruction.stage === 0 && instruction.keyword === 'RUN').map((instruction) => instruction.args).join('\n');
  assert.match(build, /npm ci\b/);
  assert.match(build, /tsc -p tsconfig\.json/);
  assert.match(build, /npm prune --omit=dev/);
  assert.ok(runtimeCopies().some((copy) => copy.from === 'build' && copy.source === '/app/node_modules'), 'runtime takes the pruned node_modules');
});

test('dockerfile runs as the deployment user', () => {
  const user = runtime.filter((instruction) => instruction.keyword === 'USER').at(-1)?.args;
  const pod = kustomizeBuild(repoPath('deploy', 'base')).find((object) => object.kind === 'Deployment')!.spec.template.spec;

  assert.ok(user, 'the runtime stage needs a USER');
  assert.match(user, /^\d+:\d+$/, 'a numeric user lets runAsNonRoot verify it');
  assert.notEqual(user.split(':')[0], '0');
  assert.equal(user, `${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`);
});

test('dockerfile exposes the deployment ports', () => {
  const exposed = runtime.find((instruction) => instruction.keyword === 'EXPOSE')!.args.split(/\s+/).map(Number).sort();
  const container = kustomizeBuild(repoPath('deploy', 'base')).find((object) => object.kind === 'Deployment')!.spec.template.spec.containers[0];
  const ports = (container.ports as Array<{ containerPort: number }>).map((port) => port.containerPort).sort();
  assert.deepEqual(exposed, ports);
});

test('dockerfile context holds every copied path', () => {
  for (const copy of runtimeCopies().filter((entry) => entry.from === null)) {
    assert.ok(existsSync(repoPath(copy.source)), `${copy.source} is missing from the repository`);
    assert.ok(!dockerignore.includes(copy.source.replace(/\/$/, '')), `${copy.source} is excluded by .dockerignore`);
  }
  for (const excluded of ['.git', 'node_modules', 'dist']) {
    assert.ok(dockerignore.includes(excluded), `.dockerignore must exclude ${excluded}`);
  }
});

test('runtime imports only production deps', () => {
  const production = new Set(Object.keys(packageJson.dependencies));
  const builtins = new Set(builtinModules);
  const imported = new Set<string>();

  for (const file of listJs(repoPath('dist', 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)['"]([^'"./][^'"]*)['"]/g)) {
      const specifier = match[1]!;
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
      if (!builtins.has(name) && !name.startsWith('node:')) {
        imported.add(name);
      }
    }
  }
  assert.ok(imported.size > 0, 'found no package imports in dist/src; build first');
  for (const name of imported) {
    assert.ok(production.has(name), `dist/src imports ${name}, which npm prune --omit=dev removes`);
  }
});

test('runtime file set starts ctxproc', async () => {
  const app = makeTempDirectory('ctxproc-image-');
  for (const copy of runtimeCopies()) {
    const source = copy.from === 'build' ? repoPath(copy.source.replace(/^\/app\//, '')) : repoPath(copy.source);
    const target = path.join(app, copy.target);
    if (copy.source.endsWith('node_modules')) {
      symlinkSync(source, target);
      continue;
    }
    // COPY file ./ keeps the base name, as Docker does for a directory target.
    cpSync(source, copy.target.endsWith('/') ? path.join(target, path.basename(source)) : target, { recursive: true });
  }

  const entrypoint = JSON.parse(runtime.find((instruction) => instruction.keyword === 'ENTRYPOINT')!.args) as string[];
  const command = JSON.parse(runtime.find((instruction) => instruction.keyword === 'CMD')!.args) as string[];
  const code = await startAndStop(app, [...entrypoint.slice(1), ...command, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0']);
  assert.equal(code, 0);
});

function listJs(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Starts the CLI in cwd, waits for its start line, sends SIGTERM and returns the exit code. */
function startAndStop(cwd: string, args: string[]): Promise<number | null> {
  // The image sets no CTXPROC_* variable, so none may leak in from the test run.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CTXPROC_')));
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ctxproc did not start within 15 s from the image file set: ${stderr}`));
    }, 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (stdout.includes('ctxproc started')) {
        resolve(code);
      } else {
        reject(new Error(`ctxproc exited with ${code} before starting: ${stderr}${stdout}`));
      }
    });
    child.stdout.on('data', (chunk: Buffer) => {
      const wasStarted = stdout.includes('ctxproc started');
      stdout += chunk.toString();
      if (!wasStarted && stdout.includes('ctxproc started')) {
        child.kill('SIGTERM');
      }
    });
  });
}
