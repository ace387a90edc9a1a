import { resolve } from 'node:path';
import {
  benchGenerator, convertAifi, loadScenario, loadStore, replay, runSimulation,
} from '@tebura/sim';
import { flagNumber, flagString, parseArgs, UsageError, type ParsedArgs } from '../args.js';
import { CloudAdminClient } from '../cloud-client.js';
import type { Command, CommandIO } from '../command.js';
import { REPO_ROOT } from '../paths.js';

const USAGE = [
  'usage: tebura sim <run|replay|convert-aifi|bench> ...',
  '',
  '  run <scenario.yaml> --broker URL [--seed N] [--speed N|max] [--truth FILE] [--record FILE] [--faces DIR] [--validate-config]',
  '        [--cloud URL --admin-key KEY]   drive a store through a broker; app tokens come from the cloud',
  '  replay <recording.jsonl> --broker URL [--speed N|max]   publish a recording (simulated or real devices)',
  '  convert-aifi [--data DIR] --out DIR   AiFi CPS-IoT 2020 weights -> store file, recording, separate truth',
  '  bench [scenario.yaml]                 generator throughput without a broker, messages/s on one core',
].join('\n');

function parseSpeed(a: ParsedArgs): number | 'max' {
  const s = flagString(a, 'speed') ?? '1';
  if (s === 'max') return 'max';
  const n = Number(s);
  if (!(n > 0)) throw new UsageError(`--speed must be a positive number or 'max', got '${s}'`);
  return n;
}

function need(a: ParsedArgs, name: string): string {
  const v = flagString(a, name);
  if (v === undefined) throw new UsageError(`--${name} is required`);
  return v;
}

async function runCmd(a: ParsedArgs, io: CommandIO): Promise<number> {
  const path = a.positionals[0];
  if (path === undefined) throw new UsageError('sim run needs a scenario file');
  const scenario = loadScenario(resolve(io.cwd, path));
  const store = loadStore(scenario.store);
  if (a.flags.get('validate-config') === true) {
    io.stdout.write(`config ok: scenario ${scenario.name}, store ${store.id}\n`);
    return 0;
  }
  const cloudUrl = flagString(a, 'cloud');
  const client = cloudUrl === undefined ? null : new CloudAdminClient(cloudUrl, need(a, 'admin-key'));
  const truth = flagString(a, 'truth');
  const record = flagString(a, 'record');
  const faces = flagString(a, 'faces');
  const summary = await runSimulation({
    scenario, store, seed: flagNumber(a, 'seed') ?? scenario.seed, mqttUrl: need(a, 'broker'), speed: parseSpeed(a), signal: io.signal,
    hooks: {
      issueAppToken: (c, s) => (client === null ? Promise.reject(new Error('no --cloud given: app tokens unavailable')) : client.issueEntryToken(c, s)),
    },
    log: (m) => io.stderr.write(`[sim] ${m}\n`),
    ...(truth !== undefined ? { truthPath: resolve(io.cwd, truth) } : {}),
    ...(record !== undefined ? { recordPath: resolve(io.cwd, record) } : {}),
    ...(faces !== undefined ? { facesDir: resolve(io.cwd, faces) } : {}),
  });
  const { truth: _t, ...rest } = summary;
  io.stdout.write(`${JSON.stringify(rest)}\n`);
  return 0;
}

export const command: Command = {
  name: 'sim',
  summary: 'the virtual store: run a scenario, replay a recording, convert AiFi data, benchmark the generator',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const a = parseArgs(rest, ['validate-config']);
    switch (sub) {
      case 'run':
        return runCmd(a, io);
      case 'replay': {
        const file = a.positionals[0];
        if (file === undefined) throw new UsageError('sim replay needs a recording file');
        const r = await replay({ file: resolve(io.cwd, file), mqttUrl: need(a, 'broker'), speed: parseSpeed(a), signal: io.signal });
        io.stdout.write(`${JSON.stringify(r)}\n`);
        return 0;
      }
      case 'convert-aifi': {
        const r = convertAifi({
          dataDir: resolve(io.cwd, flagString(a, 'data') ?? resolve(REPO_ROOT, '..', 'shared', 'data', 'aifi')),
          outDir: resolve(io.cwd, need(a, 'out')),
        });
        io.stdout.write(`${JSON.stringify(r)}\n`);
        return 0;
      }
      case 'bench': {
        const p = a.positionals[0];
        io.stdout.write(`${JSON.stringify(p === undefined ? benchGenerator() : benchGenerator(resolve(io.cwd, p)))}\n`);
        return 0;
      }
      default:
        throw new UsageError(sub === undefined ? 'name a sim subcommand' : `unknown sim subcommand '${sub}'`);
    }
  },
};
