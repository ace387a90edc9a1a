/** Paths and small helpers shared by the simulator's tests. */
import { fileURLToPath } from 'node:url';
import { parseScenario } from '../load.js';
import type { Scenario } from '../scenario.js';

export const SIM_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SMALL_STORE = fileURLToPath(new URL('../../stores/small.yaml', import.meta.url));
export const SCENARIOS_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));
/** Real data lives beside the repo, never in it. */
export const SHARED_DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

/** A scenario on the small store with overrides. */
export function scenarioOf(doc: Record<string, unknown>): Scenario {
  return parseScenario({ name: 'test', store: SMALL_STORE, shoppers: 1, ...doc }, 'test', SIM_ROOT);
}
