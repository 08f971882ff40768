/** Sparse feature vectors: parallel arrays of feature indices and values. */
export interface SparseVector {
  idx: Int32Array;
  val: Float64Array;
}

export function softmaxInPlace(z: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of z) if (v > max) max = v;
  let sum = 0;
  for (let k = 0; k < z.length; k++) {
    const e = Math.exp((z[k] ?? 0) - max);
    z[k] = e;
    sum += e;
  }
  for (let k = 0; k < z.length; k++) z[k] = (z[k] ?? 0) / sum;
  return z;
}

export function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < a.length; k++) if ((a[k] ?? -Infinity) > (a[best] ?? -Infinity)) best = k;
  return best;
}
