import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@tebura/contract';
import { loadEdgeConfig } from './config.js';
import { startEdge } from './index.js';
import { testLayout } from './testing/layout.js';

function errorsOf(raw: unknown): { path: string; message: string }[] {
  try {
    loadEdgeConfig(raw, 'test');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).details];
  }
  throw new Error('expected a ConfigError');
}

describe('loadEdgeConfig', () => {
  it('applies defaults and freezes the result', () => {
    const cfg = loadEdgeConfig({ storeId: 'st1', dbPath: ':memory:', layout: testLayout() }, 'test');
    expect(cfg.mqttUrl).toBe('mqtt://127.0.0.1:1883');
    expect(cfg.console).toEqual({ enabled: true, host: '127.0.0.1', port: 0 });
    expect(cfg.bounds.reorderWindowMs).toBe(200);
    expect(cfg.bounds.settleTimeoutMs).toBe(500);
    expect(cfg.cloud).toBeUndefined();
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.bounds)).toBe(true);
  });

  it('reads the layout from a file path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tebura-cfg-'));
    const p = join(dir, 'store.json');
    writeFileSync(p, JSON.stringify(testLayout('from-file')));
    expect(loadEdgeConfig({ storeId: 'st1', dbPath: ':memory:', layout: p }, 'test').layout.id).toBe('from-file');
    expect(errorsOf({ storeId: 'st1', dbPath: ':memory:', layout: join(dir, 'missing.json') })).toEqual([
      { path: '/layout', message: expect.stringContaining('cannot read layout file') as unknown as string },
    ]);
  });

  it('reports every problem at once, with paths', () => {
    const l = testLayout();
    l.planogram[0]!.sku = 'ghost';
    const errs = errorsOf({ storeId: 'bad id', dbPath: '', layout: l, mqttUrl: 'http://x', bounds: { reorderWindowMs: -1, nope: 1 }, cloud: { url: 'ftp://x' } });
    const paths = errs.map((e) => e.path);
    for (const p of ['/storeId', '/dbPath', '/mqttUrl', '/bounds/reorderWindowMs', '/bounds/nope', '/cloud/url', '/cloud/apiKey', '/layout/planogram/0/sku']) {
      expect(paths, p).toContain(p);
    }
  });

  it('checks the layout document and its cross-references', () => {
    const l = testLayout();
    l.planogram[0]!.sku = 'ghost';
    expect(errorsOf({ storeId: 'st1', dbPath: ':memory:', layout: l })).toEqual([{ path: '/layout/planogram/0/sku', message: "unknown sku 'ghost'" }]);
    expect(errorsOf({ storeId: 'st1', dbPath: ':memory:', layout: { id: 'x' } }).every((e) => e.path.startsWith('/layout'))).toBe(true);
  });

  it('checks bounds that depend on each other', () => {
    expect(errorsOf({ storeId: 'st1', dbPath: ':memory:', layout: testLayout(), bounds: { retryBackoffBaseMs: 5000, retryBackoffMaxMs: 100 } })).toEqual([
      { path: '/bounds/retryBackoffMaxMs', message: 'must be >= retryBackoffBaseMs' },
    ]);
  });

  it('startEdge refuses a bad config before touching anything', async () => {
    await expect(startEdge({ storeId: 'st1' })).rejects.toBeInstanceOf(ConfigError);
  });
});
