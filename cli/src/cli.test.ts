import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';
import { DEFAULT_STORE, REPO_ROOT, SCENARIO_DIR } from './paths.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(argv, { stdout, stderr, signal: new AbortController().signal, env: {}, cwd: process.cwd() });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'tebura-cli-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('tebura', () => {
  it('lists its commands and refuses unknown ones with the usage exit code', async () => {
    const help = await run('--help');
    expect(help.code).toBe(0);
    for (const c of ['demo', 'edge', 'cloud', 'sim', 'eval', 'bench', 'models', 'identity']) expect(help.out).toContain(c);
    const bad = await run('fly');
    expect(bad.code).toBe(64);
    expect(bad.err).toContain("unknown command 'fly'");
  });

  it('identity eval takes several photo sets at once (both shared face sets: 21 people, FNIR at most 2 %)', async () => {
    const faces = join(REPO_ROOT, '..', 'shared', 'data', 'faces');
    const r = await run('identity', 'eval', '--gallery', `${join(faces, 'set-a')},${join(faces, 'set-c')}`, '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { people: number; probes: number; failureToAcquireRate: number; points: { fpirTarget: number; fnir: number }[] };
    expect(report).toMatchObject({ people: 21, probes: 80, failureToAcquireRate: 0 });
    expect(report.points.find((p) => p.fpirTarget === 0.001)!.fnir).toBeLessThanOrEqual(0.02);
  }, 120_000);

  it('validates an edge config and reports every problem with its path, exit 2', async () => {
    const good = file('edge.json', JSON.stringify({ storeId: 'small-01', dbPath: ':memory:', layout: DEFAULT_STORE }));
    expect(await run('edge', '--config', good, '--validate-config')).toMatchObject({ code: 0, out: 'config ok: store small-01\n' });
    const bad = file('bad-edge.json', JSON.stringify({ storeId: 'has space', mqttUrl: 'http://x', layout: DEFAULT_STORE, bounds: { reorderWindowMs: -1 } }));
    const r = await run('edge', '--config', bad, '--validate-config');
    expect(r.code).toBe(2);
    for (const path of ['/storeId', '/mqttUrl', '/dbPath', '/bounds/reorderWindowMs']) expect(r.err).toContain(path);
  });

  it('validates a cloud config, exit 2 with paths on a bad one', async () => {
    const good = file('cloud.yaml', 'adminKey: 0123456789abcdef0123\ndevMode: true\n');
    expect((await run('cloud', '--config', good, '--validate-config')).code).toBe(0);
    const bad = file('bad-cloud.yaml', 'port: -5\nstores: [{ storeId: s1, apiKey: short }]\n');
    const r = await run('cloud', '--config', bad, '--validate-config');
    expect(r.code).toBe(2);
    for (const path of ['/port', '/adminKey', '/stores/0/apiKey']) expect(r.err).toContain(path);
  });

  it('validates a scenario, exit 2 with paths on a bad one', async () => {
    expect((await run('sim', 'run', join(SCENARIO_DIR, '01-one-shopper.yaml'), '--validate-config')).code).toBe(0);
    const r = await run('sim', 'run', file('bad.yaml', 'name: x\nshoppers: 0\n'), '--validate-config');
    expect(r.code).toBe(2);
    expect(r.err).toContain('/store');
    expect(r.err).toContain('/shoppers');
  });

  it('a missing config file is a config error, not a crash', async () => {
    const r = await run('edge', '--config', join(dir, 'nope.yaml'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('cannot read');
  });

  it('bad flags are usage errors', async () => {
    expect((await run('edge')).code).toBe(64);
    expect((await run('demo', '--duration', 'soon')).code).toBe(64);
    expect((await run('eval', join(SCENARIO_DIR, '01-one-shopper.yaml'), '--speed', '-3')).code).toBe(64);
  });
});
