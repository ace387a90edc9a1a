/**
 * Throughput of the pure generator on one core: messages of raw signal per wall
 * second, JSON encoding included, no broker. `npx tsx simulators/src/bench.ts`.
 */
import { fileURLToPath } from 'node:url';
import { generateTraffic } from './generate.js';
import { loadScenario, loadStore } from './load.js';

export interface BenchResult {
  scenario: string;
  messages: number;
  bytes: number;
  wallMs: number;
  simDurationMs: number;
  msgsPerS: number;
  /** Messages per second of this process's CPU time: fair on a shared, loaded machine. */
  msgsPerCpuS: number;
  /** Simulated seconds per wall second. */
  speedup: number;
}

export function benchGenerator(scenarioPath = fileURLToPath(new URL('../scenarios/02-twenty-concurrent.yaml', import.meta.url))): BenchResult {
  const scenario = loadScenario(scenarioPath);
  const store = loadStore(scenario.store);
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = generateTraffic({ scenario, store, seed: scenario.seed, onMessage: (m) => (bytes += m.payload.length) });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return { scenario: scenario.name, messages: r.messages, bytes, wallMs, simDurationMs: r.simDurationMs, msgsPerS: r.messages / (wallMs / 1000), msgsPerCpuS: r.messages / cpuS, speedup: r.simDurationMs / wallMs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(benchGenerator(process.argv[2]), null, 1));
}
