/**
 * models/models.lock.json: the sha256 each model must build to from the locked npm
 * packages. The converter is deterministic, so a fresh clone builds byte-identical
 * files; a test fails on drift (a changed converter or package) until the lock is
 * regenerated on purpose: `npx tsx models/src/lock.ts --write`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildModels } from './build.js';
import type { ModelManifest } from './manifest.js';

export const LOCK_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'models.lock.json');

export interface LockEntry {
  sha256: string;
  bytes: number;
  source: string;
  converterVersion: number;
}
export type ModelsLock = Record<string, LockEntry>;

export function lockFromManifests(manifests: readonly ModelManifest[]): ModelsLock {
  const out: ModelsLock = {};
  for (const m of [...manifests].sort((a, b) => a.name.localeCompare(b.name))) {
    out[m.name] = { sha256: m.sha256, bytes: m.bytes, source: `${m.source.package}@${m.source.version}`, converterVersion: m.converter.version };
  }
  return out;
}

export function readLock(path = LOCK_PATH): ModelsLock {
  return JSON.parse(readFileSync(path, 'utf8')) as ModelsLock;
}

async function main(): Promise<void> {
  const r = await buildModels({});
  const lock = lockFromManifests(r.manifests);
  if (process.argv.includes('--write')) {
    writeFileSync(LOCK_PATH, `${JSON.stringify(lock, null, 2)}\n`);
    process.stdout.write(`wrote ${LOCK_PATH}\n`);
  } else {
    process.stdout.write(`${JSON.stringify(lock, null, 2)}\n`);
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
