// Writes a directory the way the kubelet mounts and updates a ConfigMap
// volume: each version of the data in a new timestamped directory, a
// `..data` symlink to it that is replaced by renaming `..data_tmp` over it,
// and one symlink per key through `..data`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DATA = '..data';
const DATA_TMP = '..data_tmp';

let versionCounter = 0;

/** Creates a ConfigMap volume with files (key to contents) and returns its directory. */
export function createConfigMapVolume(files: Record<string, string>): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'ctxproc-configmap-'));
  updateConfigMapVolume(directory, files);
  return directory;
}

/** Replaces the volume's data with files in one atomic rename, as the kubelet does on a ConfigMap update. */
export function updateConfigMapVolume(directory: string, files: Record<string, string>): void {
  const previous = currentDataDirectory(directory);

  versionCounter += 1;
  const stamp = new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace(/\.\d+Z$/, '');
  const versionName = `..${stamp}.${String(versionCounter).padStart(9, '0')}`;
  fs.mkdirSync(path.join(directory, versionName));
  for (const [key, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(directory, versionName, key), text);
  }

  fs.symlinkSync(versionName, path.join(directory, DATA_TMP));
  fs.renameSync(path.join(directory, DATA_TMP), path.join(directory, DATA));

  for (const key of Object.keys(files)) {
    const link = path.join(directory, key);
    if (!fs.existsSync(link)) {
      fs.symlinkSync(path.join(DATA, key), link);
    }
  }
  if (previous !== null) {
    removeStaleKeys(directory, files);
    fs.rmSync(path.join(directory, previous), { recursive: true });
  }
}

function currentDataDirectory(directory: string): string | null {
  try {
    return fs.readlinkSync(path.join(directory, DATA));
  } catch {
    return null;
  }
}

function removeStaleKeys(directory: string, files: Record<string, string>): void {
  for (const name of fs.readdirSync(directory)) {
    if (!name.startsWith('..') && !Object.hasOwn(files, name)) {
      fs.rmSync(path.join(directory, name));
    }
  }
}
