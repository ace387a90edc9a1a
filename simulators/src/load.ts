/**
 * Store and scenario files: JSON or YAML, validated against one schema each,
 * every problem reported with its path, frozen after load.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfig, StoreLayout, storeLayoutProblems } from '@tebura/contract';
import { Scenario, scenarioProblems } from './scenario.js';

function readDoc(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, [{ path: '', message: `cannot read file: ${(e as Error).message}` }]);
  }
  try {
    return path.endsWith('.json') ? (JSON.parse(text) as unknown) : (parseYaml(text) as unknown);
  } catch (e) {
    throw new ConfigError(path, [{ path: '', message: `cannot parse: ${(e as Error).message}` }]);
  }
}

/** Validates an in-memory store document (e.g. one the AiFi converter built). */
export function parseStore(doc: unknown, source: string): StoreLayout {
  return loadConfig(StoreLayout, doc, source, storeLayoutProblems) as StoreLayout;
}

export function loadStore(path: string): StoreLayout {
  return parseStore(readDoc(path), path);
}

function absoluteFrom(base: string, p: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}

/** Validates a scenario document; relative paths inside resolve against `baseDir`. */
export function parseScenario(doc: unknown, source: string, baseDir: string): Scenario {
  const raw = doc !== null && typeof doc === 'object' ? { ...(doc as Record<string, unknown>) } : doc;
  if (raw !== null && typeof raw === 'object') {
    const r = raw as Record<string, unknown>;
    if (typeof r['store'] === 'string') r['store'] = absoluteFrom(baseDir, r['store']);
    if (typeof r['facesDir'] === 'string') r['facesDir'] = absoluteFrom(baseDir, r['facesDir']);
  }
  return loadConfig(Scenario, raw, source, scenarioProblems) as Scenario;
}

export function loadScenario(path: string): Scenario {
  return parseScenario(readDoc(path), path, dirname(resolve(path)));
}
