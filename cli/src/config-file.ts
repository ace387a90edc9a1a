/** Reads a JSON or YAML config file; a missing or unparsable file is a config error (exit 2). */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '@tebura/contract';

export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, [{ path: '', message: `cannot read: ${(e as Error).message}` }]);
  }
  try {
    return /\.ya?ml$/i.test(path) ? (parseYaml(text) as unknown) : (JSON.parse(text) as unknown);
  } catch (e) {
    throw new ConfigError(path, [{ path: '', message: `cannot parse: ${(e as Error).message}` }]);
  }
}
