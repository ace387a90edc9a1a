/**
 * Fault harness for the "nothing lost, nothing doubled" test: the cloud runs
 * as a child process that is SIGKILLed and restarted at random moments, behind
 * a proxy that drops some responses after the cloud has processed them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Prng } from '@tebura/contract';

const SERVE_TS = fileURLToPath(new URL('../serve.ts', import.meta.url));
export const CHILD_START_TIMEOUT_MS = 30_000;

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

export interface OutboxItem {
  kind: 'session' | 'receipt' | 'adjustment';
  path: string;
  id: string;
  body: unknown;
}

export interface UploadReport {
  requests: number;
  attempts: number;
  created: number;
  exists: number;
  retriesMax: number;
}

export interface UploadOptions {
  concurrency: number;
  attemptsMax: number;
  requestTimeoutMs: number;
  backoffMs: number;
  backoffMsMax?: number;
  /** Records per request through the batch route; 1 uses the single-record routes. */
  batchRecordsMax: number;
  /** Called after each accepted request with the number accepted so far. */
  onProgress?: (requestsDone: number) => void;
}

type Slot = { status: string; error?: { code: string; kind: string } };

const RETRYABLE_KINDS = new Set(['conflict', 'unavailable', 'internal']);

/**
 * A small outbox client: every item keeps its id on every retry; chains (a
 * session and its receipt) stay in order; a request is retried whole until
 * every record in it is answered created or exists.
 */
export async function upload(baseUrl: string, storeId: string, apiKey: string, chains: readonly (readonly OutboxItem[])[], opts: UploadOptions): Promise<UploadReport> {
  const report: UploadReport = { requests: 0, attempts: 0, created: 0, exists: 0, retriesMax: 0 };
  const requests: OutboxItem[][] = [];
  for (const chain of chains) {
    const last = requests[requests.length - 1];
    if (opts.batchRecordsMax > 1 && last !== undefined && last.length + chain.length <= opts.batchRecordsMax) last.push(...chain);
    else if (opts.batchRecordsMax > 1) requests.push([...chain]);
    else for (const item of chain) requests.push([item]);
  }
  // Single-record mode sends a chain's items from one worker in order; batch mode keeps chains whole.
  const groups: OutboxItem[][][] = opts.batchRecordsMax > 1 ? requests.map((r) => [r]) : chains.map((c) => c.map((i) => [i]));
  const tally = (slots: Slot[]): boolean => {
    for (const s of slots) {
      if (s.status === 'error') {
        if (!RETRYABLE_KINDS.has(s.error?.kind ?? '')) throw new Error(`unexpected record error ${JSON.stringify(s.error)}`);
        return false;
      }
    }
    for (const s of slots) {
      if (s.status === 'created') report.created++;
      else report.exists++;
    }
    return true;
  };
  const sendOne = async (items: OutboxItem[]): Promise<void> => {
    const single = items.length === 1 && opts.batchRecordsMax <= 1;
    const first = items[0] as OutboxItem;
    const url = baseUrl + (single ? first.path : `/v1/stores/${storeId}/records`);
    const body = single ? first.body : { records: items.map((i) => ({ kind: i.kind, record: i.body })) };
    for (let attempt = 1; attempt <= opts.attemptsMax; attempt++) {
      report.attempts++;
      report.retriesMax = Math.max(report.retriesMax, attempt - 1);
      let text = '';
      let status = 0;
      try {
        const r = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...(single ? { 'idempotency-key': first.id } : {}) },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(opts.requestTimeoutMs),
        });
        status = r.status;
        text = await r.text();
      } catch {
        status = 0; // dropped, refused or timed out: the outcome is unknown, so retry with the same ids
      }
      if (status === 200 || status === 201) {
        const slots: Slot[] = single ? [JSON.parse(text) as Slot] : (JSON.parse(text) as { results: Slot[] }).results;
        if (tally(slots)) {
          report.requests++;
          opts.onProgress?.(report.requests);
          return;
        }
      } else if (status !== 0 && status !== 409 && status < 500) {
        throw new Error(`unexpected ${status} for ${first.id}: ${text}`);
      }
      await new Promise((res) => setTimeout(res, Math.min(opts.backoffMs * attempt, opts.backoffMsMax ?? 300)));
    }
    throw new Error(`${first.id} not accepted after ${opts.attemptsMax} attempts`);
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < groups.length) {
      const group = groups[next++] ?? [];
      for (const items of group) await sendOne(items);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return report;
}
