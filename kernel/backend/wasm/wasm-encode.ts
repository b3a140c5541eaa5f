/**
 * A minimal WebAssembly encoder for the hand-written kernels of the tuning layer (adam/, gemm/): LEB128, sections,
 * and the few instructions they use. No toolchain at install time: each module is a few hundred bytes built here.
 */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

export const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
/** Signed LEB128 of a 32-bit integer (for `i32.const`). */
export const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
};
export const str = (s: string) => [...uleb(s.length), ...Buffer.from(s, "utf8")];
export const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
export const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

export const get = (i: number) => [0x20, ...uleb(i)];
export const set = (i: number) => [0x21, ...uleb(i)];
export const tee = (i: number) => [0x22, ...uleb(i)];
export const i32Const = (v: number) => [0x41, ...sleb(v)];
export const i32Add = [0x6a];
export const i32Mul = [0x6c];
export const simd = (op: number) => [0xfd, ...uleb(op)];
/**
 * A loop over `end` bytes (a positive multiple of 16) in steps of 16, counter local `i`: `body` runs with `i` the
 * byte offset of the current four elements. The caller guarantees end > 0 (the loop runs at least once).
 */
export const loop16 = (i: number, end: number, body: number[]) => [
  0x03, 0x40, ...body,
  ...get(i), ...i32Const(16), ...i32Add, ...tee(i), ...get(end), 0x47, 0x0d, 0x00, 0x0b, // i += 16; br_if i != end
];
/** v128.const with `v` (rounded to float32) in all four lanes. */
export const f32x4Const = (v: number) => [...simd(0x0c), ...new Uint8Array(new Float32Array([v, v, v, v]).buffer)];
/** v128.const with the 32-bit integer `v` in all four lanes. */
export const i32x4Const = (v: number) => [...simd(0x0c), ...new Uint8Array(new Int32Array([v, v, v, v]).buffer)];
/** v128.const of 16 zero bytes. */
export const v128Zero = [...simd(0x0c), ...new Array<number>(16).fill(0)];
/** v128.load / v128.store with alignment hint 1 (tfjs buffers are only 4-byte aligned) and a constant offset. */
export const v128Load = (offset = 0) => [...simd(0x00), 0x00, ...uleb(offset)];
export const v128Store = (offset = 0) => [...simd(0x0b), 0x00, ...uleb(offset)];

/**
 * A module with one exported function `name` of `params` → no result, importing `env.memory` (a shared memory must
 * declare a maximum: 65536 pages admits any heap). `body` is the function's locals vector followed by its code.
 */
export function moduleBytes(name: string, params: number[], body: number[], shared: boolean): Uint8Array {
  const type = [0x60, ...uleb(params.length), ...params, 0x00];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([type])),
    ...section(2, vec([[...str("env"), ...str("memory"), 0x02, ...(shared ? [0x03, 0x01, ...uleb(65536)] : [0x00, 0x01])]])),
    ...section(3, vec([[0x00]])),
    ...section(7, vec([[...str(name), 0x00, 0x00]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}
