/**
 * A private Mosquitto for tests whose outcome depends on the broker's bounds: a
 * `mosquitto` child on a free loopback port with the bounds of deploy/'s
 * tebura.conf (max_inflight_messages, max_queued_messages, message_size_limit),
 * anonymous, without persistence.
 *
 * Why: the machine's shared Mosquitto runs its distribution's defaults, which keep
 * 1000 messages for an offline session. A kill -9 drill whose restart took about
 * eight seconds under a loaded CI machine overflowed that, and the broker dropped
 * the readings of a pick the edge never saw (CI, 01 seed 7: an onigiri lost).
 * The deployment keeps 10 000; the drill must measure the edge, not a default.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The store broker's configuration in deploy/. */
export const DEPLOY_MOSQUITTO_CONF = fileURLToPath(new URL('../../../deploy/mosquitto/tebura.conf', import.meta.url));
/** The settings taken from it: the bounds, not its listener, users or persistence. */
const BOUND_KEYS = ['max_inflight_messages', 'max_queued_messages', 'message_size_limit'] as const;
/** A broker that does not listen by then has failed to start. */
const START_WAIT_MS = 10_000;

export interface PrivateMosquitto {
  url: string;
  /** The bounds it runs with, as read from the deploy configuration. */
  bounds: Record<(typeof BOUND_KEYS)[number], number>;
  stop(): Promise<void>;
}

/** The deploy configuration's bounds; throws when one is missing (the file changed shape). */
export function deployBounds(confPath = DEPLOY_MOSQUITTO_CONF): PrivateMosquitto['bounds'] {
  const lines = readFileSync(confPath, 'utf8').split('\n');
  const out = {} as PrivateMosquitto['bounds'];
  for (const key of BOUND_KEYS) {
    const line = lines.find((l) => l.trim().startsWith(`${key} `));
    const n = Number(line?.trim().split(/\s+/)[1]);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${confPath}: no positive integer ${key}`);
    out[key] = n;
  }
  return out;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts `mosquitto` (it must be on PATH, as .ci/run's services are) and waits until it listens. */
export async function startPrivateMosquitto(): Promise<PrivateMosquitto> {
  const bounds = deployBounds();
  const dir = mkdtempSync(join(tmpdir(), 'tebura-mosq-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', ...Object.entries(bounds).map(([k, v]) => `${k} ${v}`), ''].join('\n'));
  const child: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-2000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (e) => reject(new Error(`cannot run mosquitto (is it installed and on PATH?): ${e.message}`)));
    void exited.then(() => reject(new Error(`mosquitto exited at start: ${stderr.trim()}`)));
  });
  const up = (async () => {
    const deadline = Date.now() + START_WAIT_MS;
    while (!(await listening(port))) {
      if (Date.now() > deadline) throw new Error(`mosquitto not listening on ${port} after ${START_WAIT_MS} ms: ${stderr.trim()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([up, failed]);
  } catch (e) {
    await stop();
    throw e;
  }
  failed.catch(() => undefined);
  return { url: `mqtt://127.0.0.1:${port}`, bounds, stop };
}
