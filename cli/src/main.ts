/**
 * `tebura <command> ...`: one CLI for every process. Commands live in
 * ./commands/<name>.ts and are loaded on demand, so `tebura cloud` does not load
 * ONNX models and `tebura demo` starts fast.
 */
import { isTeburaError, EXIT_BAD_CONFIG, ConfigError } from '@tebura/contract';
import { UsageError } from './args.js';
import type { Command, CommandIO } from './command.js';

/** Exit code for a wrong invocation (BSD sysexits EX_USAGE). */
const EXIT_USAGE = 64;

type Loader = () => Promise<{ command: Command }>;
/** Each command module is imported only when that command runs. */
const LOADERS: Readonly<Record<string, Loader>> = {
  demo: () => import('./commands/demo.js'),
  edge: () => import('./commands/edge.js'),
  cloud: () => import('./commands/cloud.js'),
  sim: () => import('./commands/sim.js'),
  eval: () => import('./commands/eval.js'),
  bench: () => import('./commands/bench.js'),
  models: () => import('./commands/models.js'),
  identity: () => import('./commands/identity.js'),
};
const COMMANDS = Object.keys(LOADERS);

async function loadCommand(name: string): Promise<Command | null> {
  const load = Object.hasOwn(LOADERS, name) ? LOADERS[name] : undefined;
  return load === undefined ? null : (await load()).command;
}

async function usage(io: CommandIO): Promise<void> {
  const lines = ['usage: tebura <command> [options]', '', 'commands:'];
  for (const name of COMMANDS) {
    const c = await loadCommand(name).catch(() => null);
    lines.push(`  ${name.padEnd(10)} ${c?.summary ?? '(unavailable)'}`);
  }
  lines.push('', "run 'tebura <command> --help' for a command's options");
  io.stdout.write(`${lines.join('\n')}\n`);
}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    await usage(io);
    return name === undefined ? EXIT_USAGE : 0;
  }
  const cmd = await loadCommand(name);
  if (cmd === null) {
    io.stderr.write(`tebura: unknown command '${name}'\n`);
    await usage(io);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof ConfigError) {
      io.stderr.write(`tebura ${name}: ${e.message}\n`);
      return EXIT_BAD_CONFIG;
    }
    if (e instanceof UsageError) {
      io.stderr.write(`tebura ${name}: ${e.message}\n\n${cmd.usage}\n`);
      return EXIT_USAGE;
    }
    if (isTeburaError(e)) {
      io.stderr.write(`tebura ${name}: ${e.code}: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`tebura ${name}: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

const isEntry = process.argv[1] !== undefined && /tebura(\.js)?$|main\.ts$/.test(process.argv[1]);
if (isEntry) {
  const ac = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts > 1) {
      process.stderr.write(`tebura: second ${sig}, exiting now\n`);
      process.exit(130);
    }
    process.stderr.write(`\ntebura: ${sig}, stopping cleanly (again to force)\n`);
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const io: CommandIO = { stdout: process.stdout, stderr: process.stderr, signal: ac.signal, env: process.env, cwd: process.cwd() };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`tebura: ${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
