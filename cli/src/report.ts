/** Human-readable output for `tebura eval`: a progress bar, a table and an HTML plot. */
import type { Writable } from 'node:stream';
import type { EvalScores } from '@tebura/sim';

const BAR_WIDTH = 30;

export function progressLine(label: string, fraction: number, detail: string): string {
  const f = Math.max(0, Math.min(1, fraction));
  const filled = Math.round(f * BAR_WIDTH);
  return `\r${label.padEnd(24).slice(0, 24)} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${detail}`;
}

export function clearLine(out: Writable): void {
  out.write(`\r${' '.repeat(90)}\r`);
}

const fmt = (v: unknown, digits = 3): string =>
  v === null || v === undefined ? '-' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(digits)) : String(v);

export const TABLE_COLUMNS = [
  'scenario', 'seed', 'sessions', 'receipts_exact', 'cacc', 'item_precision', 'item_recall', 'review_rate',
  'unresolved', 'event_to_cart_ms_p99', 'emit_to_cart_ms_p99', 'exit_to_charge_ms_p99', 'msgs_per_s', 'sim_generate_msgs_per_s',
] as const;

export function table(rows: readonly EvalScores[]): string {
  const cells = rows.map((r) => TABLE_COLUMNS.map((c) => fmt(r[c])));
  const widths = TABLE_COLUMNS.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (vals: readonly string[]): string => vals.map((v, i) => (i === 0 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join('  ');
  return [line(TABLE_COLUMNS), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** A self-contained HTML page with two bar charts (accuracy, latency) per scenario. */
export function plotHtml(rows: readonly EvalScores[], title: string): string {
  const w = 760, barH = 18, gap = 8, left = 190;
  const chart = (heading: string, series: { name: string; color: string; value: (r: EvalScores) => number | null; max: number; unit: string }[]): string => {
    const h = rows.length * (series.length * barH + gap) + 40;
    const bars = rows.flatMap((r, i) => {
      const y0 = 30 + i * (series.length * barH + gap);
      const label = `<text x="${left - 8}" y="${y0 + barH}" text-anchor="end" font-size="12">${r.scenario}</text>`;
      return [label, ...series.map((s, j) => {
        const v = s.value(r);
        const len = v === null ? 0 : Math.max(1, ((w - left - 80) * Math.min(v, s.max)) / s.max);
        const y = y0 + j * barH;
        return `<rect x="${left}" y="${y + 2}" width="${len}" height="${barH - 4}" fill="${s.color}"/>` +
          `<text x="${left + len + 4}" y="${y + barH - 5}" font-size="11">${v === null ? 'n/a' : `${Number.isInteger(v) ? v : v.toFixed(3)}${s.unit}`}</text>`;
      })];
    });
    const legend = series.map((s, j) => `<rect x="${left + j * 170}" y="6" width="10" height="10" fill="${s.color}"/><text x="${left + j * 170 + 14}" y="15" font-size="11">${s.name}</text>`);
    return `<h2>${heading}</h2><svg width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg">${legend.join('')}${bars.join('')}</svg>`;
  };
  const num = (k: string) => (r: EvalScores): number | null => (typeof r[k] === 'number' ? (r[k] as number) : null);
  const latMax = Math.max(100, ...rows.map((r) => Math.max(num('event_to_cart_ms_p99')(r) ?? 0, num('exit_to_charge_ms_p99')(r) ?? 0)));
  return `<!doctype html><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}h2{font-size:16px}</style>
<h1 style="font-size:20px">${title}</h1>
${chart('Accuracy per scenario (target: cacc >= 0.99, review_rate <= 0.03)', [
    { name: 'cacc', color: '#1b7f5b', value: (r) => r.cacc, max: 1, unit: '' },
    { name: 'item recall', color: '#4f8fd6', value: (r) => r.item_recall, max: 1, unit: '' },
    { name: 'review rate', color: '#d68a1b', value: (r) => r.review_rate, max: 1, unit: '' },
  ])}
${chart('Latency per scenario, p99 (targets: event->cart <= 100 ms, exit->charge <= 1000 ms)', [
    { name: 'event -> cart p99', color: '#7a4fd6', value: num('event_to_cart_ms_p99'), max: latMax, unit: ' ms' },
    { name: 'exit -> charge p99', color: '#c2413b', value: num('exit_to_charge_ms_p99'), max: latMax, unit: ' ms' },
  ])}
`;
}
