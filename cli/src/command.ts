import type { Writable } from 'node:stream';

export interface CommandIO {
  stdout: Writable;
  stderr: Writable;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly. */
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Resolves to the process exit code. */
  run(argv: string[], io: CommandIO): Promise<number>;
}
