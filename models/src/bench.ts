/**
 * `tebura bench identity`: gate decision latency (image bytes in, decision out:
 * decode, detect, align, quality, liveness, embed, 1:N search, threshold) at
 * gallery sizes filled with synthetic embeddings, and palm 1:N at 1M templates.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { Prng } from '@tebura/contract';
import sharp from 'sharp';
import { Gallery, type GalleryPrecision } from './gallery.js';
import { loadFacePipeline, type FacePipeline } from './face/pipeline.js';

export interface BenchIdentityOptions {
  /** Folder of `<person>/<image>` photos used as gate images (real faces are needed to reach the search). */
  imagesDir: string;
  faceGallerySizes?: readonly number[];
  palmGallerySize?: number;
  palmDim?: number;
  /** Timed decisions per gallery size (after warm-up). */
  iterations?: number;
  precision?: GalleryPrecision;
  seed?: number;
  /**
   * Re-encode each photo once, before timing, as a gate camera frame: JPEG, this
   * longest side (default 800). 0 keeps the original files (up to 4352 px here),
   * whose decode alone costs ~80 ms.
   */
  frameSidePx?: number;
  pipeline?: FacePipeline;
  onProgress?: (line: string) => void;
}

export interface LatencyStats {
  n: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Mean process CPU time per run (all threads): what a run costs when the machine is not shared. */
  cpuMeanMs: number;
}

export interface BenchIdentityReport {
  face: Array<{ gallerySize: number; decision: LatencyStats; search: LatencyStats; galleryMB: number }>;
  palm: { gallerySize: number; dim: number; search: LatencyStats; galleryMB: number; fillMs: number };
  embedder: string;
  /** 'auto' when each gallery took defaultPrecision(dim). */
  precision: GalleryPrecision | 'auto';
  /** 1-minute load average at the end: other processes on a shared box inflate wall-clock latency. */
  loadAverage1m: number;
  cpus: number;
}

const WARMUP_RUNS = 3;
const IMAGES_MAX = 20;

export function latencyStats(samples: number[], cpuSamples: number[] = []): LatencyStats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? NaN;
  const cpuMeanMs = cpuSamples.length > 0 ? cpuSamples.reduce((a, b) => a + b, 0) / cpuSamples.length : NaN;
  return { n: s.length, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: s[s.length - 1] ?? NaN, cpuMeanMs };
}

/** Fills a gallery with random unit vectors: uniform draws are enough for timing and much faster than normals. */
function fillRandom(g: Gallery, count: number, prng: Prng, prefix: string): void {
  const v = new Float32Array(g.dim);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < v.length; k++) v[k] = prng.next() - 0.5;
    g.upsert(`${prefix}${i}`, v);
  }
}

async function asCameraFrames(images: Buffer[], sidePx: number): Promise<Buffer[]> {
  if (sidePx <= 0) return images;
  return Promise.all(
    images.map((b) => sharp(b).rotate().resize({ width: sidePx, height: sidePx, fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 90 }).toBuffer()),
  );
}

function sampleImages(dir: string): Buffer[] {
  const out: Buffer[] = [];
  for (const person of readdirSync(dir).sort()) {
    const p = join(dir, person);
    if (person.startsWith('_') || !statSync(p).isDirectory()) continue;
    for (const f of readdirSync(p).filter((x) => /\.(jpe?g|png|webp)$/i.test(x)).sort()) {
      if (out.length < IMAGES_MAX) out.push(readFileSync(join(p, f)));
    }
  }
  if (out.length === 0) throw new Error(`no images under ${dir}`);
  return out;
}

/** Times one run: wall-clock and process CPU milliseconds. */
async function timeIt(fn: () => Promise<unknown>, cpu?: number[]): Promise<number> {
  const c = process.cpuUsage();
  const t = performance.now();
  await fn();
  const ms = performance.now() - t;
  const d = process.cpuUsage(c);
  cpu?.push((d.user + d.system) / 1000);
  return ms;
}

export async function benchIdentity(opts: BenchIdentityOptions): Promise<BenchIdentityReport> {
  const sizes = opts.faceGallerySizes ?? [1_000, 10_000, 100_000];
  const iterations = opts.iterations ?? 40;
  const precision = opts.precision;
  const prng = new Prng(opts.seed ?? 1);
  const log = opts.onProgress ?? ((): void => undefined);
  const images = await asCameraFrames(sampleImages(opts.imagesDir), opts.frameSidePx ?? 800);
  const pipeline = opts.pipeline ?? (await loadFacePipeline({}));
  const report: BenchIdentityReport = { face: [], palm: { gallerySize: 0, dim: 0, search: latencyStats([]), galleryMB: 0, fillMs: 0 }, embedder: pipeline.embedder, precision: precision ?? 'auto', loadAverage1m: 0, cpus: 0 };
  try {
    for (const size of sizes) {
      // The edge keeps face galleries fp32 (template version 3 scores need it; edge biometrics.ts).
      const g = new Gallery({ dim: pipeline.dim, sizeMax: size, precision: precision ?? 'f32' });
      try {
        fillRandom(g, size, prng, 'synthetic-');
        const decide = async (img: Buffer): Promise<boolean> => {
          const r = await pipeline.embed(img);
          if (!r.ok) return false;
          const [best] = await g.search(r.embedding, 1);
          // The gate's comparison (its threshold lives in edge; the value does not change the cost).
          return (best?.score ?? -1) >= 0.99835;
        };
        for (let i = 0; i < WARMUP_RUNS; i++) await decide(images[i % images.length] as Buffer);
        const decision: number[] = [];
        const decisionCpu: number[] = [];
        const search: number[] = [];
        const searchCpu: number[] = [];
        const q = new Float32Array(pipeline.dim);
        for (let i = 0; i < iterations; i++) {
          decision.push(await timeIt(() => decide(images[i % images.length] as Buffer), decisionCpu));
          for (let k = 0; k < q.length; k++) q[k] = prng.next() - 0.5;
          search.push(await timeIt(() => g.search(q, 1), searchCpu));
        }
        const row = { gallerySize: size, decision: latencyStats(decision, decisionCpu), search: latencyStats(search, searchCpu), galleryMB: (size * pipeline.dim * (g.precision === 'int8' ? 1 : 4)) / 1e6 };
        report.face.push(row);
        log(`face gallery ${size}: decision p50 ${row.decision.p50Ms.toFixed(1)} ms p95 ${row.decision.p95Ms.toFixed(1)} ms; search p95 ${row.search.p95Ms.toFixed(1)} ms`);
      } finally {
        await g.close();
      }
    }
    report.palm = await benchPalm(opts.palmGallerySize ?? 1_000_000, opts.palmDim ?? 128, iterations, precision, prng);
    report.loadAverage1m = loadavg()[0] ?? 0;
    report.cpus = availableParallelism();
    log(`palm gallery ${report.palm.gallerySize}: search p50 ${report.palm.search.p50Ms.toFixed(1)} ms p95 ${report.palm.search.p95Ms.toFixed(1)} ms`);
    return report;
  } finally {
    if (!opts.pipeline) await pipeline.close();
  }
}

async function benchPalm(size: number, dim: number, iterations: number, precision: GalleryPrecision | undefined, prng: Prng): Promise<BenchIdentityReport['palm']> {
  const g = new Gallery({ dim, sizeMax: size, ...(precision ? { precision } : {}) });
  try {
    const t0 = performance.now();
    fillRandom(g, size, prng, 'palm-');
    const fillMs = performance.now() - t0;
    const q = new Float32Array(dim);
    const samples: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < WARMUP_RUNS + iterations; i++) {
      for (let k = 0; k < dim; k++) q[k] = prng.next() - 0.5;
      const ms = await timeIt(() => g.search(q, 1), i >= WARMUP_RUNS ? cpu : undefined);
      if (i >= WARMUP_RUNS) samples.push(ms);
    }
    return { gallerySize: size, dim, search: latencyStats(samples, cpu), galleryMB: (size * dim * (g.precision === 'int8' ? 1 : 4)) / 1e6, fillMs };
  } finally {
    await g.close();
  }
}

export function formatBenchReport(r: BenchIdentityReport): string {
  const f = (s: LatencyStats): string => `p50 ${s.p50Ms.toFixed(1)} ms, p95 ${s.p95Ms.toFixed(1)} ms, max ${s.maxMs.toFixed(1)} ms, cpu ${s.cpuMeanMs.toFixed(1)} ms/run (n=${s.n})`;
  return [
    `embedder ${r.embedder}, gallery precision ${r.precision}; load average ${r.loadAverage1m.toFixed(1)} on ${r.cpus} cpus`,
    ...r.face.map((x) => `face gate decision, gallery ${x.gallerySize} (${x.galleryMB.toFixed(0)} MB): ${f(x.decision)}; search alone ${f(x.search)}`),
    `palm 1:N, ${r.palm.gallerySize} x ${r.palm.dim} (${r.palm.galleryMB.toFixed(0)} MB, filled in ${(r.palm.fillMs / 1000).toFixed(1)} s): ${f(r.palm.search)}`,
  ].join('\n');
}
