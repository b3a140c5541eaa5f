// The shape every float32 → float32 SIMD kernel of ours shares (LeakyRelu, Tanh): a new output, the four-lane body
// through the hand-encoded loop, the last n % 4 elements in JS with the same arithmetic.
import type { TensorInfo } from "@tensorflow/tfjs";
import { byteOffset, f32View, sizeOf, type WasmBackendLike } from "../wasm-heap";

/** y = f(x) elementwise: `lanes(x, y, end)` runs the SIMD loop over `end` bytes, `scalar` computes one tail element. */
export function mapFloat32(
  backend: WasmBackendLike, x: TensorInfo, lanes: (x: number, y: number, end: number) => void, scalar: (v: number) => number,
): TensorInfo {
  const out = backend.makeOutput(x.shape, "float32");
  const n = sizeOf(x.shape);
  const body = n & ~3;
  if (body > 0) lanes(byteOffset(backend, x), byteOffset(backend, out), 4 * body);
  if (body < n) {
    const xs = f32View(backend, x); // views after makeOutput, which may grow the heap
    const ys = f32View(backend, out);
    for (let i = body; i < n; i++) ys[i] = scalar(xs[i]);
  }
  return out;
}
