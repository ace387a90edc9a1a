/**
 * `tebura identity eval`: enrol one image per person, search with every other
 * image, report FNIR at fixed FPIR, the failure-to-acquire rate and thresholds.
 * Non-mated searches are leave-one-out: each probe searched with its own person
 * removed from the gallery, so every labelled photo serves both roles.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadFacePipeline, type FaceEmbedder, type FacePipeline } from './face/pipeline.js';
import { dot } from './face/quality.js';
import { operatingPoint, type MatedSearch, type OperatingPoint } from './eval-metrics.js';

export const EVAL_FPIR_TARGETS = [1e-2, 1e-3] as const;
/** Images per eval run: bounds time and memory for a mistyped folder. */
export const EVAL_IMAGES_MAX = 5000;
const IMAGE_EXT = /\.(jpe?g|png|webp)$/i;

export interface IdentityEvalOptions {
  galleryDir: string | readonly string[];
  /** Defaults to galleryDir: the first image (by name) of each person is enrolled, the rest probe. */
  probesDir?: string | readonly string[];
  embedder?: FaceEmbedder;
  flipAugment?: boolean;
  refineKeypoints?: boolean;
  pipeline?: FacePipeline;
  modelsDir?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface IdentityEvalReport {
  embedder: FaceEmbedder;
  people: number;
  enrolled: number;
  probes: number;
  acquired: number;
  failureToAcquireRate: number;
  failures: Array<{ file: string; role: 'enrol' | 'probe'; reason: string }>;
  matedSearches: number;
  nonMatedSearches: number;
  rank1Rate: number;
  points: OperatingPoint[];
  genuineScore: { min: number; median: number };
  impostorTopScore: { median: number; max: number };
  msPerImage: number;
}

interface Labelled {
  person: string;
  file: string;
}

export function listPeople(dirs: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let count = 0;
  for (const dir of dirs) {
    for (const person of readdirSync(dir).sort()) {
      const p = join(dir, person);
      if (person.startsWith('_') || person.startsWith('.') || !statSync(p).isDirectory()) continue;
      const files = readdirSync(p).filter((f) => IMAGE_EXT.test(f)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      count += files.length;
      if (count > EVAL_IMAGES_MAX) throw new Error(`more than ${EVAL_IMAGES_MAX} images under ${dirs.join(', ')}`);
      // Key by folder too: two sets may both have a "person_01".
      if (files.length > 0) out.set(`${basename(resolve(dir))}/${person}`, files.map((f) => join(p, f)));
    }
  }
  return out;
}

const asList = (d: string | readonly string[]): string[] => (typeof d === 'string' ? [d] : [...d]);
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) / 2)] ?? NaN;

type Embedded = Labelled & { e: Float32Array };

/** Mated search per probe whose person is enrolled; leave-one-out non-mated search per probe. */
function scoreProbes(gallery: Embedded[], probes: Embedded[]): { mated: MatedSearch[]; nonMatedTop: number[]; genuine: number[] } {
  const enrolled = new Set(gallery.map((g) => g.person));
  const mated: MatedSearch[] = [];
  const nonMatedTop: number[] = [];
  const genuine: number[] = [];
  for (const p of probes) {
    let best = -Infinity;
    let bestPerson = '';
    let bestOther = -Infinity;
    for (const g of gallery) {
      const s = dot(p.e, g.e);
      if (s > best) [best, bestPerson] = [s, g.person];
      if (g.person !== p.person && s > bestOther) bestOther = s;
      if (g.person === p.person) genuine.push(s);
    }
    if (enrolled.has(p.person)) mated.push({ topScore: best, topIsMate: bestPerson === p.person });
    nonMatedTop.push(bestOther);
  }
  return { mated, nonMatedTop, genuine };
}

export async function identityEval(opts: IdentityEvalOptions): Promise<IdentityEvalReport> {
  const galleryDirs = asList(opts.galleryDir);
  const probeDirs = opts.probesDir ? asList(opts.probesDir) : galleryDirs;
  const sameDirs = probeDirs.join('\n') === galleryDirs.join('\n');
  const galleryPeople = listPeople(galleryDirs);
  const enrolFiles: Labelled[] = [...galleryPeople].map(([person, files]) => ({ person, file: files[0] as string }));
  const probeFiles: Labelled[] = sameDirs
    ? [...galleryPeople].flatMap(([person, files]) => files.slice(1).map((file) => ({ person, file })))
    : [...listPeople(probeDirs)].flatMap(([person, files]) => files.map((file) => ({ person, file })));

  const pipeline = opts.pipeline ?? (await loadFacePipeline({ embedder: opts.embedder, flipAugment: opts.flipAugment, refineKeypoints: opts.refineKeypoints, modelsDir: opts.modelsDir }));
  const failures: IdentityEvalReport['failures'] = [];
  const total = enrolFiles.length + probeFiles.length;
  let done = 0;
  const t0 = performance.now();
  const embedAll = async (items: Labelled[], role: 'enrol' | 'probe'): Promise<Embedded[]> => {
    const out: Embedded[] = [];
    for (const it of items) {
      const r = await pipeline.embed(readFileSync(it.file));
      if (r.ok) out.push({ ...it, e: r.embedding });
      else failures.push({ file: it.file, role, reason: r.reason });
      opts.onProgress?.(++done, total);
    }
    return out;
  };
  try {
    const gallery = await embedAll(enrolFiles, 'enrol');
    const probes = await embedAll(probeFiles, 'probe');
    const msPerImage = (performance.now() - t0) / Math.max(1, total);
    const { mated, nonMatedTop, genuine } = scoreProbes(gallery, probes);
    return {
      embedder: pipeline.embedder,
      people: galleryPeople.size,
      enrolled: gallery.length,
      probes: probeFiles.length,
      acquired: probes.length,
      failureToAcquireRate: probeFiles.length > 0 ? (probeFiles.length - probes.length) / probeFiles.length : 0,
      failures,
      matedSearches: mated.length,
      nonMatedSearches: nonMatedTop.length,
      rank1Rate: mated.length > 0 ? mated.filter((m) => m.topIsMate).length / mated.length : 0,
      points: EVAL_FPIR_TARGETS.map((f) => operatingPoint(mated, nonMatedTop, f)),
      genuineScore: { min: Math.min(...genuine), median: median(genuine) },
      impostorTopScore: { median: median(nonMatedTop), max: Math.max(...nonMatedTop) },
      msPerImage,
    };
  } finally {
    if (!opts.pipeline) await pipeline.close();
  }
}

/** Human-readable report for the CLI. Six decimals: template version 3 scores all lie within 0.003 of 1. */
export function formatEvalReport(r: IdentityEvalReport): string {
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  const score = (x: number): string => x.toFixed(6);
  const lines = [
    `embedder ${r.embedder}; ${r.people} people, ${r.enrolled} enrolled, ${r.probes} probes (${r.acquired} acquired)`,
    `failure to acquire: ${pct(r.failureToAcquireRate)}${r.failures.length ? ` (${r.failures.map((f) => `${basename(f.file)}:${f.reason}`).join(', ')})` : ''}`,
    `rank-1 identification: ${pct(r.rank1Rate)} of ${r.matedSearches} mated searches; ${r.nonMatedSearches} non-mated (leave-one-out)`,
    ...r.points.map(
      (p) => `FNIR ${pct(p.fnir)} at FPIR ${p.fpirTarget} (measured ${p.fpir.toFixed(4)}), threshold ${score(p.threshold)}${p.resolutionLimited ? ' [resolution-limited: no false positive allowed]' : ''}`,
    ),
    `genuine score min/median ${score(r.genuineScore.min)}/${score(r.genuineScore.median)}; best impostor median/max ${score(r.impostorTopScore.median)}/${score(r.impostorTopScore.max)}`,
    `${r.msPerImage.toFixed(0)} ms per image (decode to embedding)`,
  ];
  return lines.join('\n');
}
