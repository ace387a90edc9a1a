/**
 * The page in a real browser (Debian chromium via playwright-core): it loads,
 * draws a shopper dot and a cart line pushed over SSE, and a click on Resolve
 * reaches the source. The source is a fake: the real one is the edge node,
 * another engineer's part, and the console may rely on the interface only.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Prng } from '@tebura/contract';
import { startConsole } from './app.js';
import { FakeConsoleSource, sampleReview } from './testing/fake-source.js';
import { DemoWorld } from './testing/demo-world.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = '/tmp/console.png';

let source: FakeConsoleSource;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install -y chromium`).toBe(true);
  source = new FakeConsoleSource(`store-ui-${Math.random().toString(36).slice(2, 8)}`);
  source.reviewMap.set('rv-1', sampleReview('rv-1', ['s-aa11', 's-bb22'], Date.now()));
  server = await startConsole(source, { host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('console page in chromium', () => {
  it('loads the store, then shows a shopper dot and a cart pushed over SSE', async () => {
    await page.goto(`${server.url}/`);
    await page.locator('#conn-text', { hasText: 'live' }).waitFor();
    // The initial REST load is done once the map and the review queue are drawn.
    await page.locator('[data-gondola="g1"]').waitFor();
    await page.locator('.review[data-review="rv-1"]').waitFor();
    expect(await page.locator('#floor [data-plate]').count()).toBe(24);
    expect(await page.locator('.review[data-review="rv-1"] polyline[data-trace-plate="p101"]').count()).toBe(1);
    expect(source.listeners.size).toBe(1);

    source.emit({ type: 'people', ts: Date.now(), people: [{ trackId: 't1', sessionId: 's-aa11', x: 3, y: 2 }, { trackId: 't2', sessionId: null, x: 6, y: 5 }] });
    source.putCart({ sessionId: 's-aa11', customerId: 'cust-1', guests: 0, openedAt: Date.now(), pendingReviews: 0, lines: [{ sku: 'onigiri-salmon', name: 'Onigiri salmon', quantity: 2, unitPriceMinor: 160 }] });

    const dot = page.locator('g.person[data-session="s-aa11"]');
    await dot.waitFor();
    expect(await dot.locator('text.tag').textContent()).toBe('s-aa11');
    expect(await page.locator('g.person[data-track="t2"] text').first().textContent()).toBe('?');
    const cart = page.locator('.cart[data-session="s-aa11"]');
    await cart.waitFor();
    expect(await cart.textContent()).toContain('Onigiri salmon');
    expect(await cart.locator('.cart-subtotal').textContent()).toBe('¥320');
    // Food at 8 %, rounded down per tax class: 25.6 -> 25.
    expect(await cart.locator('.cart-tax').textContent()).toBe('¥25');
    expect(await cart.locator('.cart-total').textContent()).toBe('¥345');
    expect(await page.locator('#carts-count').textContent()).toBe('1');
    expect(await page.locator('#tax-note').textContent()).toContain('Prices exclude tax');
  }, 60_000);

  it('resolves a review from its card and the POST reaches the source', async () => {
    const card = page.locator('.review[data-review="rv-1"]');
    await card.locator('select[name="session"]').selectOption('s-bb22');
    await card.locator('input[name="qty"]').fill('2');
    await card.locator('button.resolve').click();
    await until(() => source.resolveCalls.length === 1);
    expect(source.resolveCalls[0]).toEqual({
      reviewId: 'rv-1',
      resolution: { sessionId: 's-bb22', lines: [{ sku: 'onigiri-salmon', quantityDelta: 2 }], resolvedBy: 'operator' },
    });
    await page.locator('.review.resolved[data-review="rv-1"]').waitFor();
    // The card leaves the queue shortly after.
    await page.locator('.review[data-review="rv-1"]').waitFor({ state: 'detached' });
    expect(await page.locator('#reviews-count').textContent()).toBe('0');
  }, 60_000);

  it('moves a closed session from the carts to the receipts, and shows device and gate events', async () => {
    source.cartMap.delete('s-aa11');
    source.emit({
      type: 'session_closed',
      sessionId: 's-aa11',
      receipt: {
        receiptId: 'rc-1', sessionId: 's-aa11', storeId: source.storeId, customerId: 'cust-1', currency: 'JPY',
        lines: [{ sku: 'onigiri-salmon', name: 'Onigiri salmon', quantity: 2, unitPriceMinor: 160, taxClass: 'food', lineTotalMinor: 320 }],
        taxes: [{ taxClass: 'food', rateBp: 800, taxableMinor: 320, taxMinor: 25 }],
        subtotalMinor: 320, taxMinor: 25, totalMinor: 345, openedAt: Date.now() - 60_000, closedAt: Date.now(),
      },
    });
    source.emit({ type: 'device', device: { deviceId: 'shelf-g1-0', kind: 'loadcell', state: 'offline', lastSeen: Date.now() - 30_000, msgsPerS: 0, gaps: 4, restarts: 1 } });
    source.emit({ type: 'gate', gateId: 'gate-in', decision: 'deny', reason: 'unknown face', ts: Date.now() });
    await page.locator('.receipt[data-receipt="rc-1"]').waitFor();
    expect(await page.locator('.receipt[data-receipt="rc-1"] .total').textContent()).toBe('¥345');
    await page.locator('.cart[data-session="s-aa11"]').waitFor({ state: 'detached' });
    expect(await page.locator('#carts-count').textContent()).toBe('0');
    const row = page.locator('tr[data-device="shelf-g1-0"]');
    await row.waitFor();
    expect(await row.locator('.state').textContent()).toBe('offline');
    expect(await page.locator('#devices-count').textContent()).toBe('1 offline / 1');
    expect(await page.locator('#gate-log .deny').textContent()).toBe('deny');
  }, 60_000);

  it('renders a busy store cleanly at 1280x800 (screenshot for a human)', async () => {
    const world = new DemoWorld(source, new Prng(7));
    source.reviewMap.clear();
    source.cartMap.clear();
    world.seed(Date.now());
    await page.reload();
    await page.locator('.review[data-review="rv-1002"]').waitFor();
    for (let i = 0; i < 10; i++) {
      world.tick(Date.now());
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.locator('g.person[data-track="t9"]').waitFor();
    expect(await page.locator('.cart').count()).toBe(3);
    // Nothing spills out of the window: the page itself never scrolls.
    const scroll = await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]');
    expect(scroll).toEqual([1280, 800]);
    expect(await page.locator('[data-stat="sessionsOpen"] b').textContent()).toBe('3');
    await page.screenshot({ path: SCREENSHOT });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});

describe('a client the node outruns', () => {
  it('is cut off, reconnects by itself and reloads the state over REST', async () => {
    const slow = new FakeConsoleSource(`store-slow-${Math.random().toString(36).slice(2, 8)}`);
    // A socket that always looks full: every event queues, the 4th overflows.
    const srv = await startConsole(slow, { host: '127.0.0.1', port: 0, sse: { socketBufferBytesMax: 0, clientQueueLengthMax: 3, retryMs: 200 } });
    const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await p.goto(`${srv.url}/`);
      await p.locator('[data-gondola="g1"]').waitFor();
      await until(() => slow.listeners.size === 1);
      for (let i = 1; i <= 4; i++) {
        slow.putCart({ sessionId: `s-${i}`, customerId: `c-${i}`, guests: 0, openedAt: Date.now(), pendingReviews: 0, lines: [] });
      }
      // None of these events reached the page over SSE; the reload after the reconnect brings all four.
      await p.locator('.cart[data-session="s-4"]').waitFor({ timeout: 10_000 });
      expect(await p.locator('.cart').count()).toBe(4);
      const stats = (await (await fetch(`${srv.url}/api/stats`)).json()) as { stats: Record<string, number> };
      expect(stats.stats['console.sse.clients_overflowed']).toBeGreaterThanOrEqual(1);
    } finally {
      await p.close();
      await srv.close();
    }
  }, 60_000);
});
