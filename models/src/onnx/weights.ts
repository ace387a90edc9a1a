/**
 * Decoding of TFJS weight shards (`weightsManifest` groups + `.bin` files) to fp32.
 * Human and face-api ship uint8/uint16/float16-quantised weights to keep the npm
 * tarballs small; ONNX gets plain fp32 so the runtime needs no dequantise ops.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}
export interface WeightGroup {
  paths: string[];
  weights: WeightSpec[];
}
export interface Weight {
  dtype: WeightSpec['dtype'];
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

/** IEEE 754 half to float: TFJS float16 quantisation stores raw halves. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h & 0x7c00) >> 10;
  const frac = h & 0x03ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function dequantise(buf: Buffer, off: number, n: number, q: NonNullable<WeightSpec['quantization']>): { data: Float32Array; bytes: number } {
  const data = new Float32Array(n);
  const scale = q.scale ?? 1;
  const min = q.min ?? 0;
  if (q.dtype === 'uint8') for (let i = 0; i < n; i++) data[i] = buf.readUInt8(off + i) * scale + min;
  else if (q.dtype === 'uint16') for (let i = 0; i < n; i++) data[i] = buf.readUInt16LE(off + 2 * i) * scale + min;
  else for (let i = 0; i < n; i++) data[i] = halfToFloat(buf.readUInt16LE(off + 2 * i));
  return { data, bytes: q.dtype === 'uint8' ? n : 2 * n };
}

/** Reads every group's shards from `dir` and returns weights by name, as fp32 (int32/bool kept). */
export function loadWeights(dir: string, manifest: readonly WeightGroup[]): Map<string, Weight> {
  const out = new Map<string, Weight>();
  for (const group of manifest) {
    const buf = Buffer.concat(group.paths.map((p) => readFileSync(join(dir, p))));
    let off = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      let data: Weight['data'];
      if (w.quantization) {
        const d = dequantise(buf, off, n, w.quantization);
        data = w.dtype === 'int32' ? Int32Array.from(d.data, Math.round) : d.data;
        off += d.bytes;
      } else if (w.dtype === 'float32' || w.dtype === 'int32') {
        const bytes = buf.subarray(off, off + 4 * n);
        const copy = new ArrayBuffer(4 * n);
        new Uint8Array(copy).set(bytes);
        data = w.dtype === 'float32' ? new Float32Array(copy) : new Int32Array(copy);
        off += 4 * n;
      } else if (w.dtype === 'bool') {
        data = Uint8Array.from(buf.subarray(off, off + n));
        off += n;
      } else {
        throw new Error(`weight ${String(w.name)}: dtype ${String(w.dtype)} not supported`);
      }
      if (off > buf.length) throw new Error(`weight ${w.name}: shards end before the manifest does`);
      out.set(w.name, { dtype: w.dtype, shape: w.shape, data });
    }
  }
  return out;
}

/**
 * A face-api style `*-weights_manifest.json` read whole: a getter by weight name
 * that throws, naming the file, for a weight the manifest does not have.
 */
export function weightsFromManifest(manifestPath: string): (name: string) => Weight {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as WeightGroup[];
  const W = loadWeights(dirname(manifestPath), manifest);
  return (name) => {
    const w = W.get(name);
    if (!w) throw new Error(`${manifestPath}: weight ${name} missing`);
    return w;
  };
}
