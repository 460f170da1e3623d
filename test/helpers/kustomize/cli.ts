// Prints the Kustomize build of a directory as YAML, for machines without
// kubectl: `npm run --silent kustomize -- deploy/overlays/example`.
import path from 'node:path';
import { kustomizeBuildYaml } from './build.js';

const directory = process.argv[2];
if (!directory) {
  process.stderr.write('usage: npm run --silent kustomize -- <kustomization directory>\n');
  process.exit(2);
}

try {
  process.stdout.write(kustomizeBuildYaml(path.resolve(directory)));
} catch (error) {
  process.stderr.write(`kustomize build of ${directory} failed: ${(error as Error).message}\n`);
  process.exit(1);
}
