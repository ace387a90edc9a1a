import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_BAD_CONFIG } from '@tebura/contract';
import { main } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'tebura-gw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), stopSignal: Promise.resolve() } };
}

describe('tebura-gateway main', () => {
  it('--validate-config accepts a good file', async () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify({ storeId: 's1', deviceId: 'shelf-1', serial: { path: '/dev/ttyUSB0' }, profile: { name: 'p', plates: [{ plateId: 'a', channel: 0 }] } }));
    const t = io();
    expect(await main(['--config', file, '--validate-config'], t.io)).toBe(0);
    expect(t.out[0]).toMatch(/config ok.*1 plates/);
  });

  it('--validate-config accepts the shipped example (devices/gateway.example.json)', async () => {
    const t = io();
    const example = new URL('../gateway.example.json', import.meta.url).pathname;
    expect(await main(['--config', example, '--validate-config'], t.io)).toBe(0);
    expect(t.out[0]).toMatch(/12 plates/);
  });

  it('exits 2 with every error and its path for a bad file', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ storeId: 's 1', serial: {}, profile: { name: 'p', plates: [] } }));
    const t = io();
    expect(await main(['--config', file, '--validate-config'], t.io)).toBe(EXIT_BAD_CONFIG);
    for (const p of ['/storeId', '/deviceId', '/serial/path', '/profile/plates']) expect(t.err[0]).toContain(`${p}:`);
  });

  it('exits 2 on unreadable JSON and on a missing --config', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ nope');
    const t = io();
    expect(await main(['--config', file], t.io)).toBe(EXIT_BAD_CONFIG);
    expect(t.err[0]).toMatch(/cannot read JSON/);
    expect(await main([], t.io)).toBe(EXIT_BAD_CONFIG);
  });

  it('exits 1 when the serial port cannot open', async () => {
    const file = join(dir, 'noport.json');
    writeFileSync(file, JSON.stringify({
      storeId: 's1', deviceId: 'shelf-1', serial: { path: '/dev/does-not-exist-tebura' },
      mqtt: { url: 'mqtt://127.0.0.1:1', connectTimeoutMs: 100 }, profile: { name: 'p', plates: [{ plateId: 'a', channel: 0 }] },
    }));
    const t = io();
    expect(await main(['--config', file], t.io, { log: { info: () => undefined, warn: () => undefined, error: () => undefined } })).toBe(1);
    expect(t.err[0]).toMatch(/failed to start/);
  });
});
