import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (cli/src/ is two levels down). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_STORE = join(REPO_ROOT, 'simulators', 'stores', 'small.yaml');
export const SCENARIO_DIR = join(REPO_ROOT, 'simulators', 'scenarios');
