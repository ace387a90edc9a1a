/** Image quality measures on an aligned face crop (HWC float RGB 0..255). */

export function lumaPlane(rgb: Float32Array, size: number): Float32Array {
  const out = new Float32Array(size * size);
  for (let i = 0; i < out.length; i++) out[i] = 0.299 * (rgb[3 * i] as number) + 0.587 * (rgb[3 * i + 1] as number) + 0.114 * (rgb[3 * i + 2] as number);
  return out;
}

export function mean(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v;
  return values.length > 0 ? s / values.length : 0;
}

/**
 * Variance of the 4-neighbour Laplacian over the central region: low when the
 * face is out of focus or motion-blurred. Borders are skipped as the warp pads black.
 */
export function laplacianVariance(luma: Float32Array, size: number): number {
  const m = Math.floor(size * 0.15);
  let s = 0, s2 = 0, n = 0;
  for (let y = m; y < size - m; y++) {
    for (let x = m; x < size - m; x++) {
      const i = y * size + x;
      const lap = (luma[i - 1] as number) + (luma[i + 1] as number) + (luma[i - size] as number) + (luma[i + size] as number) - 4 * (luma[i] as number);
      s += lap;
      s2 += lap * lap;
      n++;
    }
  }
  if (n === 0) return 0;
  const mu = s / n;
  return s2 / n - mu * mu;
}

export function l2normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) / n;
  return out;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
