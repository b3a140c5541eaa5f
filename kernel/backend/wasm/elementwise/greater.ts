// Greater against one value (a leaky ReLU's gradient mask, greater(x, 0), per layer per step) as a hand-encoded SIMD
// loop on the heap. The shipped kernel's broadcasting path took ~150–190 µs for a 64 × 512 mask (1.2 ms of an MLP-GAN
// step). Four comparisons per instruction, packed to four bool bytes; other shapes and dtypes keep the shipped kernel.
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import { F32, get, I32, i32Add, i32Const, loop16, moduleBytes, set, simd, uleb, v128Load, vec, V128, tee } from "../wasm-encode";
import { simdKernel } from "../simd-module";
import { byteOffset, f32View, sizeOf, u8View, wasmMemoryOf, type WasmBackendLike } from "../wasm-heap";

// params: x, out (byte addresses), end (bytes of x, a positive multiple of 16), s; locals: i, out pointer, splat(s),
// the mask, splat(1) bytes
const X = 0, OUT = 1, END = 2, S = 3, I = 4, PO = 5, SV = 6, MASK = 7, ONE = 8;

export function greaterScalarModuleBytes(shared: boolean): Uint8Array {
  const code = [
    ...get(S), ...simd(0x13), ...set(SV), // f32x4.splat
    ...i32Const(1), ...simd(0x0f), ...set(ONE), // i8x16.splat
    ...get(OUT), ...set(PO),
    ...loop16(I, END, [
      ...get(PO),
      ...get(X), ...get(I), ...i32Add, ...v128Load(0), ...get(SV), ...simd(0x44), // f32x4.gt: lanes of -1 / 0
      ...tee(MASK), ...get(MASK), ...simd(0x85), // i16x8.narrow_i32x4_s
      ...tee(MASK), ...get(MASK), ...simd(0x65), // i8x16.narrow_i16x8_s: four bytes of -1 / 0 in lane 0
      ...get(ONE), ...simd(0x4e), // v128.and → 1 / 0
      ...simd(0x1b), 0x00, // i32x4.extract_lane 0
      0x36, 0x02, 0x00, // i32.store: four bool bytes
      ...get(PO), ...i32Const(4), ...i32Add, ...set(PO),
    ]),
    0x0b,
  ];
  return moduleBytes("greater", [I32, I32, I32, F32], [...vec([[...uleb(2), I32], [...uleb(3), V128]]), ...code], shared);
}

const bind = simdKernel<(x: number, out: number, end: number, s: number) => void>(greaterScalarModuleBytes, "greater");

export function tunedGreaterConfig(shipped: KernelConfig): KernelConfig {
  const kernelFunc = (args: Parameters<KernelFunc>[0]): TensorInfo => {
    const backend = args.backend as unknown as WasmBackendLike;
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const memory = wasmMemoryOf(backend);
    // One value on the right that broadcasts to a's shape (no more axes than a).
    const scalarB = sizeOf(b.shape) === 1 && b.shape.length <= a.shape.length;
    if (a.dtype !== "float32" || b.dtype !== "float32" || !scalarB || memory == null) return shipped.kernelFunc(args) as TensorInfo;
    const out = backend.makeOutput(a.shape, "bool");
    const n = sizeOf(a.shape);
    const body = n & ~3;
    const s = f32View(backend, b)[0]; // views after makeOutput, which may grow the heap
    if (body > 0) bind(memory)(byteOffset(backend, a), byteOffset(backend, out), 4 * body, s);
    if (body < n) {
      const xs = f32View(backend, a);
      const o = u8View(backend, out);
      for (let i = body; i < n; i++) o[i] = xs[i] > s ? 1 : 0;
    }
    return out;
  };
  return { ...shipped, kernelFunc: kernelFunc as KernelFunc };
}
