/**
 * A store's gallery of enrolled vectors (face embeddings or palm templates) with a
 * bounded size and fast 1:N search. Rows live in one contiguous matrix; removal
 * swaps the last row in, so the matrix never has holes. Search is one matrix-vector
 * product in onnxruntime (SIMD, no copy of the matrix). Short vectors (palm) are
 * stored int8, which quarters memory and bandwidth (1M x 128: 128 MB, ~30 ms) at a
 * score error below 0.01 on unit vectors; long ones (faces) fp32 (defaultPrecision).
 */
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { GraphBuilder } from './onnx/builder.js';
import { NO_SPINNING } from './runtime.js';

export type GalleryPrecision = 'int8' | 'f32';

export interface GalleryOptions {
  dim: number;
  /** Hard bound on enrolled entries; an add beyond it fails with E_GALLERY_FULL. */
  sizeMax: number;
  precision?: GalleryPrecision;
  intraOpThreads?: number;
}

export interface GalleryMatch {
  customerId: string;
  score: number;
}

export class GalleryError extends Error {
  constructor(readonly code: 'E_GALLERY_FULL' | 'E_GALLERY_DIM' | 'E_GALLERY_VECTOR' | 'E_GALLERY_BUSY', message: string) {
    super(message);
    this.name = 'GalleryError';
  }
}

/**
 * onnxruntime 1.30's MatMulInteger is fast for short rows (1M x 128: ~30 ms CPU) but
 * slow for long ones (100k x 1024: ~140 ms, against ~27 ms for fp32 MatMul), so
 * long face embeddings stay fp32 and short palm templates go int8.
 */
export const INT8_DIM_MAX = 256;

export function defaultPrecision(dim: number): GalleryPrecision {
  return dim <= INT8_DIM_MAX ? 'int8' : 'f32';
}

/** Searches retried when the gallery changes under them (sync applying a batch). */
export const SEARCH_ATTEMPTS_MAX = 3;

/** Top-k requests are capped: the gate needs the best one or two. */
export const SEARCH_K_MAX = 100;
const INITIAL_ROWS = 1024;
const INT8_MAX = 127;

function searchGraph(precision: GalleryPrecision, dim: number): Buffer {
  const g = new GraphBuilder(`gallery_${precision}`);
  const DT = onnxProto.onnx.TensorProto.DataType;
  if (precision === 'f32') {
    g.addInput('rows', ['n', dim]);
    g.addInput('query', [dim, 1]);
    g.op('MatMul', ['rows', 'query'], [], 'scores');
    g.addOutput('scores');
  } else {
    g.inputs.push({ name: 'rows', type: { tensorType: { elemType: DT.INT8, shape: { dim: [{ dimParam: 'n' }, { dimValue: dim }] } } } });
    g.inputs.push({ name: 'query', type: { tensorType: { elemType: DT.INT8, shape: { dim: [{ dimValue: dim }, { dimValue: 1 }] } } } });
    g.op('MatMulInteger', ['rows', 'query'], [], 'scores');
    g.outputs.push({ name: 'scores', type: { tensorType: { elemType: DT.INT32 } } });
  }
  return g.encode('tebura-gallery');
}

/** Symmetric per-vector int8 quantisation; returns the scale (q = v * scale). */
function quantise(v: Float32Array, out: Int8Array, offset: number): number {
  let m = 0;
  for (const x of v) m = Math.max(m, Math.abs(x));
  const scale = m > 0 ? INT8_MAX / m : 1;
  for (let i = 0; i < v.length; i++) out[offset + i] = Math.round((v[i] as number) * scale);
  return scale;
}

function unitCopy(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  if (!(n > 0) || !Number.isFinite(n)) throw new GalleryError('E_GALLERY_VECTOR', 'vector is zero or not finite');
  return v.map((x) => x / n);
}

export class Gallery {
  readonly dim: number;
  readonly sizeMax: number;
  readonly precision: GalleryPrecision;
  private readonly threads: number;
  private rowsF32 = new Float32Array(0);
  private rowsI8 = new Int8Array(0);
  private scales = new Float32Array(0);
  private ids: string[] = [];
  private readonly rowOf = new Map<string, number>();
  /** Entry version of each enrolled customer. */
  private readonly versions = new Map<string, number>();
  /** Erasure versions, kept so a late stale add cannot resurrect an erased customer; bounded, oldest dropped. */
  private readonly tombstones = new Map<string, number>();
  private changes = 0;
  private session: Promise<ort.InferenceSession> | undefined;

  constructor(opts: GalleryOptions) {
    this.dim = opts.dim;
    this.sizeMax = opts.sizeMax;
    this.precision = opts.precision ?? defaultPrecision(opts.dim);
    // One thread measured faster than two at 100k x 1024 and 1M x 128 on the shared
    // 2-core box: the product is bandwidth-bound and a second spinning thread only contends.
    this.threads = opts.intraOpThreads ?? 1;
  }

  get size(): number {
    return this.ids.length;
  }

  /** Bumps on every applied add or remove: a cheap change detector for sync and caches. */
  get version(): number {
    return this.changes;
  }

  has(customerId: string): boolean {
    return this.rowOf.has(customerId);
  }

  /**
   * Adds or replaces a customer's vector (normalised here, so scores are cosines). An entry
   * version older than one already applied is ignored (returns false).
   */
  upsert(customerId: string, vector: Float32Array, entryVersion = 0): boolean {
    if (vector.length !== this.dim) throw new GalleryError('E_GALLERY_DIM', `vector has ${vector.length} dims, gallery ${this.dim}`);
    const seen = this.versions.get(customerId) ?? this.tombstones.get(customerId);
    if (seen !== undefined && entryVersion < seen) return false;
    this.tombstones.delete(customerId);
    let row = this.rowOf.get(customerId);
    if (row === undefined) {
      if (this.ids.length >= this.sizeMax) throw new GalleryError('E_GALLERY_FULL', `gallery holds its maximum of ${this.sizeMax} entries`);
      row = this.ids.length;
      this.reserve(row + 1);
      this.ids.push(customerId);
      this.rowOf.set(customerId, row);
    }
    this.write(row, unitCopy(vector));
    this.versions.set(customerId, entryVersion);
    this.changes++;
    return true;
  }

  /** Erases a customer; `entryVersion` guards against a stale erasure overtaking a newer enrolment. */
  remove(customerId: string, entryVersion = Number.MAX_SAFE_INTEGER): boolean {
    const seen = this.versions.get(customerId) ?? this.tombstones.get(customerId);
    if (seen !== undefined && entryVersion < seen) return false;
    this.tombstones.delete(customerId);
    this.tombstones.set(customerId, entryVersion);
    if (this.tombstones.size > this.sizeMax) {
      const oldest = this.tombstones.keys().next().value;
      if (oldest !== undefined) this.tombstones.delete(oldest);
    }
    this.versions.delete(customerId);
    const row = this.rowOf.get(customerId);
    if (row === undefined) return false;
    const last = this.ids.length - 1;
    if (row !== last) this.moveRow(last, row);
    this.ids.pop();
    this.rowOf.delete(customerId);
    this.changes++;
    return true;
  }

  /** Best `k` matches by cosine score, best first. */
  async search(query: Float32Array, k = 1): Promise<GalleryMatch[]> {
    if (query.length !== this.dim) throw new GalleryError('E_GALLERY_DIM', `query has ${query.length} dims, gallery ${this.dim}`);
    const q = unitCopy(query);
    const kk = Math.max(1, Math.min(k, SEARCH_K_MAX));
    // The product runs on an onnxruntime thread over the live matrix. An add or
    // remove meanwhile may move rows under it (and ids with them), so a result is
    // only trusted if the gallery did not change during the run.
    for (let attempt = 0; attempt < SEARCH_ATTEMPTS_MAX; attempt++) {
      const n = this.ids.length;
      if (n === 0) return [];
      const before = this.changes;
      const raw = await this.scoresRaw(q, n);
      if (this.changes === before) return this.topK(raw.scores, raw.queryScale, n, kk);
    }
    throw new GalleryError('E_GALLERY_BUSY', `gallery changed during ${SEARCH_ATTEMPTS_MAX} searches in a row`);
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s) await (await s).release();
  }

  private async scoresRaw(query: Float32Array, n: number): Promise<{ scores: Float32Array | Int32Array; queryScale: number }> {
    this.session ??= ort.InferenceSession.create(searchGraph(this.precision, this.dim), { intraOpNumThreads: this.threads, logSeverityLevel: 3, extra: NO_SPINNING });
    const session = await this.session;
    if (this.precision === 'f32') {
      const out = await session.run({
        rows: new ort.Tensor('float32', this.rowsF32.subarray(0, n * this.dim), [n, this.dim]),
        query: new ort.Tensor('float32', query, [this.dim, 1]),
      });
      return { scores: out['scores']?.data as Float32Array, queryScale: 1 };
    }
    const q = new Int8Array(this.dim);
    const queryScale = quantise(query, q, 0);
    const out = await session.run({
      rows: new ort.Tensor('int8', this.rowsI8.subarray(0, n * this.dim), [n, this.dim]),
      query: new ort.Tensor('int8', q, [this.dim, 1]),
    });
    return { scores: out['scores']?.data as Int32Array, queryScale };
  }

  private topK(scores: Float32Array | Int32Array, queryScale: number, n: number, k: number): GalleryMatch[] {
    const bestRows: number[] = [];
    const bestScores: number[] = [];
    const int8 = this.precision === 'int8';
    for (let r = 0; r < n; r++) {
      const s = int8 ? (scores[r] as number) / ((this.scales[r] as number) * queryScale) : (scores[r] as number);
      if (bestScores.length === k && s <= (bestScores[k - 1] as number)) continue;
      let i = bestScores.length < k ? bestScores.length : k - 1;
      while (i > 0 && (bestScores[i - 1] as number) < s) i--;
      bestScores.splice(i, 0, s);
      bestRows.splice(i, 0, r);
      if (bestScores.length > k) {
        bestScores.pop();
        bestRows.pop();
      }
    }
    return bestRows.map((r, i) => ({ customerId: this.ids[r] as string, score: bestScores[i] as number }));
  }

  private reserve(rows: number): void {
    const cap = this.precision === 'f32' ? this.rowsF32.length / this.dim : this.scales.length;
    if (rows <= cap) return;
    const next = Math.min(this.sizeMax, Math.max(INITIAL_ROWS, cap * 2, rows));
    if (this.precision === 'f32') {
      const a = new Float32Array(next * this.dim);
      a.set(this.rowsF32);
      this.rowsF32 = a;
    } else {
      const a = new Int8Array(next * this.dim);
      a.set(this.rowsI8);
      this.rowsI8 = a;
      const s = new Float32Array(next);
      s.set(this.scales);
      this.scales = s;
    }
  }

  private write(row: number, v: Float32Array): void {
    if (this.precision === 'f32') this.rowsF32.set(v, row * this.dim);
    else this.scales[row] = quantise(v, this.rowsI8, row * this.dim);
  }

  private moveRow(from: number, to: number): void {
    const d = this.dim;
    if (this.precision === 'f32') this.rowsF32.copyWithin(to * d, from * d, from * d + d);
    else {
      this.rowsI8.copyWithin(to * d, from * d, from * d + d);
      this.scales[to] = this.scales[from] as number;
    }
    const id = this.ids[from] as string;
    this.ids[to] = id;
    this.rowOf.set(id, to);
  }
}
