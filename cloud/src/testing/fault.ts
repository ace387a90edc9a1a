/**
 * Fault harness for the "nothing lost, nothing doubled" test: the cloud runs
 * as a child process that is SIGKILLed and restarted at random moments, behind
 * a proxy that drops some responses after the cloud has processed them. The
 * uploader is the edge's own (cli/src/sync-fault.integration.test.ts drives it;
 * cli/ is the package that depends on both edge and cloud).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Prng } from '@tebura/contract';

const SERVE_TS = fileURLToPath(new URL('../serve.ts', import.meta.url));
/** tsx compiles the cloud at each start: on a loaded 2-core machine that alone can take tens of seconds. */
export const CHILD_START_TIMEOUT_MS = 90_000;

export class CloudChild {
  private child: ChildProcess | undefined;
  url = '';
  starts = 0;

  constructor(private readonly configPath: string) {}

  async start(): Promise<string> {
    // DATABASE_URL emptied: the config file alone decides the backend.
    const child = spawn(process.execPath, ['--import', 'tsx', SERVE_TS, this.configPath], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: '' } });
    this.child = child;
    this.starts++;
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    this.url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`cloud child not ready in ${CHILD_START_TIMEOUT_MS} ms: ${err}`)), CHILD_START_TIMEOUT_MS);
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /LISTENING (\S+)/.exec(out);
        if (m?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`cloud child exited ${code}: ${err}`));
      });
    });
    return this.url;
  }

  /** SIGKILL: no shutdown hooks, like a power cut. */
  async kill(): Promise<void> {
    const c = this.child;
    if (c === undefined || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
    this.url = '';
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (c === undefined || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  }
}

/** Forwards to the current child; drops the response to `dropRatio` of the requests after the cloud answered. */
export class DroppingProxy {
  private server: Server | undefined;
  target = '';
  dropped = 0;
  forwarded = 0;

  constructor(
    private readonly prng: Prng,
    private readonly dropRatio: number,
  ) {}

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.target === '') return void res.destroy();
        const up = request(new URL(req.url ?? '/', this.target), { method: req.method, headers: req.headers, agent: false }, (upRes) => {
          const body: Buffer[] = [];
          upRes.on('data', (c: Buffer) => body.push(c));
          upRes.on('end', () => {
            this.forwarded++;
            if (this.prng.next() < this.dropRatio) {
              this.dropped++;
              return void res.destroy();
            }
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            res.end(Buffer.concat(body));
          });
          upRes.on('error', () => res.destroy());
        });
        up.on('error', () => res.destroy());
        up.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}
