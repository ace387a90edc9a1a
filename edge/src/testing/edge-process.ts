/**
 * The parent's handle on an edge child process (edge-child.ts): start and wait
 * for READY, kill with any signal, ask for a memory sample over IPC.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MemSample } from './edge-child.js';

const CHILD = fileURLToPath(new URL('./edge-child.ts', import.meta.url));
/** A child that is not subscribed by then has failed to start. */
const START_WAIT_MS = 60_000;
/** A memory sample takes a full GC; longer than this means the child is stuck. */
const MEM_WAIT_MS = 10_000;

export interface EdgeProcessOptions {
  perception: 'fake' | 'real';
  /** Start with --expose-gc so memory samples are taken after a full GC. */
  exposeGc?: boolean;
}

export class EdgeProcess {
  child: ChildProcess | null = null;
  constructor(
    private readonly cfgPath: string,
    private readonly opts: EdgeProcessOptions = { perception: 'fake' },
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const node = [...(this.opts.exposeGc === true ? ['--expose-gc'] : []), '--import', 'tsx'];
    const child = spawn(process.execPath, [...node, CHILD, this.cfgPath, '--perception', this.opts.perception], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`edge child not ready after ${START_WAIT_MS} ms`)), START_WAIT_MS);
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('READY')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`edge child exited early with ${code}`));
      });
    });
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    const c = this.child;
    if (c === null || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
    this.child = null;
  }

  mem(): Promise<MemSample> {
    const c = this.child;
    if (c === null) return Promise.reject(new Error('edge child not running'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        c.off('message', on);
        reject(new Error(`no memory sample within ${MEM_WAIT_MS} ms`));
      }, MEM_WAIT_MS);
      const on = (m: unknown): void => {
        if ((m as { type?: string }).type !== 'mem') return;
        clearTimeout(timer);
        c.off('message', on);
        resolve(m as MemSample);
      };
      c.on('message', on);
      c.send({ type: 'mem' });
    });
  }
}
