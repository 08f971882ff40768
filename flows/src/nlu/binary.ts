/** Compact, exact-enough storage of numeric arrays in JSON: little-endian typed arrays as base64. */
export function f32ToBase64(a: ArrayLike<number>): string {
  return Buffer.from(Float32Array.from(a).buffer).toString('base64');
}

export function base64ToF64(s: string): Float64Array {
  const buf = Buffer.from(s, 'base64');
  const f32 = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  return Float64Array.from(f32);
}

export function i32ToBase64(a: ArrayLike<number>): string {
  return Buffer.from(Int32Array.from(a).buffer).toString('base64');
}

export function base64ToI32(s: string): Int32Array {
  const buf = Buffer.from(s, 'base64');
  return Int32Array.from(new Int32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4));
}
