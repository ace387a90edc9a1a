import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadStore, parseScenario, population, runSimulation, type Scenario } from '@tebura/sim';
import type { StoreLayout } from '@tebura/contract';
import { flagBool, flagNumber, flagString, parseArgs, UsageError } from '../args.js';
import type { Command, CommandIO } from '../command.js';
import { DEFAULT_STORE } from '../paths.js';
import { startStack, type Stack } from '../stack.js';
import { until } from '../wait.js';

/** The console's port unless --port says otherwise. */
const DEFAULT_CONSOLE_PORT = 8080;
/** Shoppers per demo wave; a new wave starts when the last one is done. */
const WAVE_SHOPPERS = 6;
/** Arrivals spread over this much of each wave, seconds. */
const WAVE_ARRIVAL_WINDOW_S = 20;
/** After --duration, shoppers still inside get this long to leave and be charged, ms. */
const DRAIN_WAIT_MS = 15_000;

function demoScenario(store: StoreLayout, storePath: string, durationS: number): Scenario {
  const methods = new Set(store.gates.flatMap((g) => g.methods));
  return parseScenario(
    {
      name: 'demo',
      description: 'A steady trickle of shoppers entering by app code and palm.',
      store: storePath,
      shoppers: WAVE_SHOPPERS,
      durationS: Math.max(90, durationS),
      arrivals: { pattern: 'uniform', windowS: WAVE_ARRIVAL_WINDOW_S },
      entry: { app: 1, palm: methods.has('palm') ? 1 : 0 },
      behaviour: { stops: { min: 1, max: 3 }, multiUnitRate: 0.15, dwellS: { min: 1, max: 3 } },
    },
    'demo',
    process.cwd(),
  );
}

interface DemoSummary {
  sessions: number;
  receipts: number;
  charged_total: number;
  currency: string;
  errors: number;
  duration_s: number;
  console_url: string | null;
}

async function summarise(stack: Stack, extraErrors: number, startedAt: number, currency: string): Promise<DemoSummary> {
  const e = stack.edge.stats();
  const c = await stack.cloud.stats();
  return {
    sessions: e.sessionsOpen + e.sessionsClosed,
    receipts: c.receipts,
    charged_total: c.chargedTotalMinor,
    currency,
    errors: e.rejected + e.handlerErrors + e.outboxFailed + extraErrors,
    duration_s: Math.round((Date.now() - startedAt) / 100) / 10,
    console_url: stack.edge.consoleUrl,
  };
}

export const command: Command = {
  name: 'demo',
  summary: 'run a whole simulated store on this machine (broker, cloud, edge, simulator, console)',
  usage: [
    'usage: tebura demo [--duration <s>] [--json] [--broker <mqtt-url>] [--port <n>] [--store <file>] [--seed <n>] [--data-dir <dir>]',
    '',
    '  --duration S     stop after S seconds (default: run until Ctrl-C)',
    '  --json           print one JSON summary at the end: sessions, receipts, charged_total, errors',
    '  --broker URL     use this MQTT broker instead of the embedded one (e.g. mqtt://127.0.0.1:1883)',
    '  --port N         console port (default 8080; 0 picks a free one)',
    '  --store FILE     store layout (default simulators/stores/small.yaml)',
    '  --seed N         first simulation seed (default 1)',
    '  --data-dir DIR   where the SQLite files go (default: a new temporary directory)',
  ].join('\n'),
  async run(argv, io) {
    const args = parseArgs(argv, ['json']);
    const durationS = flagNumber(args, 'duration');
    if (durationS !== undefined && durationS <= 0) throw new UsageError('--duration must be > 0');
    const json = flagBool(args, 'json');
    const storePath = resolve(io.cwd, flagString(args, 'store') ?? DEFAULT_STORE);
    const store = loadStore(storePath);
    const dataDir = flagString(args, 'data-dir') ?? mkdtempSync(join(tmpdir(), 'tebura-demo-'));
    mkdirSync(dataDir, { recursive: true });
    const brokerUrl = flagString(args, 'broker');
    const say = (s: string): void => {
      (json ? io.stderr : io.stdout).write(`${s}\n`);
    };
    const askedPort = flagNumber(args, 'port');
    const start = (consolePort: number): Promise<Stack> => startStack({
      store, dataDir, consolePort, logLevel: 'error', ...(brokerUrl !== undefined ? { brokerUrl } : {}),
    });
    let stack: Stack;
    try {
      stack = await start(askedPort ?? DEFAULT_CONSOLE_PORT);
    } catch (e) {
      // The default port is only a preference: when it is taken, take any free one.
      if (askedPort !== undefined || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      say(`port ${DEFAULT_CONSOLE_PORT} is in use; the console takes a free port instead`);
      stack = await start(0);
    }
    const startedAt = Date.now();
    say(`Tebura demo: store '${store.name}' (${store.id}); data in ${dataDir}`);
    say(`  broker  ${stack.mqttUrl}${brokerUrl === undefined ? ' (embedded)' : ''}`);
    say(`  cloud   ${stack.cloud.url}  (OpenAPI: ${stack.cloud.url}/docs)`);
    say(`  console ${stack.edge.consoleUrl ?? '(disabled)'}   <- open this in a browser`);
    say(durationS === undefined ? 'Ctrl-C stops everything.' : `Running for ${durationS} s.`);
    const result = await runWaves(stack, store, storePath, io, durationS, say, flagNumber(args, 'seed') ?? 1);
    const summary = await summarise(stack, result.errors, startedAt, store.currency);
    await stack.close();
    if (json) io.stdout.write(`${JSON.stringify(summary)}\n`);
    else say(`done: ${summary.sessions} sessions, ${summary.receipts} receipts, ${summary.charged_total} ${summary.currency} charged, ${summary.errors} errors`);
    return 0;
  },
};

async function runWaves(
  stack: Stack, store: StoreLayout, storePath: string, io: CommandIO,
  durationS: number | undefined, say: (s: string) => void, firstSeed: number,
): Promise<{ errors: number }> {
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  io.signal.addEventListener('abort', onAbort, { once: true });
  // The last wave gets the drain time to finish, then is cut off.
  const timer = durationS === undefined ? undefined : setTimeout(onAbort, durationS * 1000 + DRAIN_WAIT_MS);
  let errors = 0;
  const scenario = demoScenario(store, storePath, durationS ?? 600);
  const deadline = durationS === undefined ? Infinity : Date.now() + durationS * 1000;
  try {
    for (let seed = firstSeed; !stop.signal.aborted && Date.now() < deadline; seed++) {
      const identities = population(scenario, store, seed).map((s) => ({ ...s, customerId: `${s.customerId}-w${seed}` }));
      await stack.enrol(identities);
      const run = await runSimulation({
        scenario, store, seed, mqttUrl: stack.mqttUrl, speed: 1, identities, signal: stop.signal,
        hooks: { issueAppToken: (c, s) => stack.cloudClient.issueEntryToken(c, s) },
        log: (m) => say(`[sim] ${m}`),
      });
      errors += run.decisionTimeouts + run.rejectedDecisions + run.tokenFailures;
      say(`wave ${seed - firstSeed + 1}: ${run.shoppers} shoppers, ${run.messages} messages`);
    }
    // Let receipts of shoppers who just left reach the cloud.
    await until(() => stack.edge.stats().outboxPending === 0, 5000);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    io.signal.removeEventListener('abort', onAbort);
  }
  return { errors };
}
