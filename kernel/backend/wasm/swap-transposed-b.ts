// C = A·Bᵀ with a small A and a big B (every dense layer's input gradient: dY·Wᵀ) computed as (B·Aᵀ)ᵀ. The direct way
// moves B twice (an explicit transpose, then XNNPACK's transposing weight pack); swapped, XNNPACK packs the small Aᵀ
// and only the two small operands are transposed. For the GAN's 784×512 layer that is ~10× less memory traffic.
import * as tf from "@tensorflow/tfjs";
import type { TensorInfo } from "@tensorflow/tfjs";
import { release, reshaped, transposeLastTwo } from "./call-kernel";
import { sizeOf, type WasmBackendLike } from "./wasm-heap";

/** Below this the extra kernel calls cost more than the copies they save. */
const MIN_FLOP = 1e6;

export function shouldSwapTransposedB(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): boolean {
  if (transposeA || !transposeB || sizeOf(b.shape.slice(0, -2)) !== 1) return false;
  const k = a.shape[a.shape.length - 1];
  const m = sizeOf(a.shape.slice(0, -1));
  const n = b.shape[b.shape.length - 2];
  if (b.shape[b.shape.length - 1] !== k || 2 * m * n * k < MIN_FLOP) return false;
  // Direct: B (n×k) is moved twice. Swapped: Aᵀ (m×k) is made and packed, and the result (m×n) transposed back.
  return n * k > 1.5 * (m * k + m * n);
}

/** (B·Aᵀ)ᵀ; `multiply(x, y)` is the untransposed fast path (x: [n, k], y: [k, m] → [n, m]). */
export function swappedTransposedB(
  backend: WasmBackendLike,
  a: TensorInfo,
  b: TensorInfo,
  multiply: (x: TensorInfo, y: TensorInfo) => TensorInfo,
): TensorInfo {
  const k = a.shape[a.shape.length - 1];
  const m = sizeOf(a.shape.slice(0, -1));
  const n = b.shape[b.shape.length - 2];
  const at = transposeLastTwo(backend, reshaped(a, [m, k]));
  const ct = multiply(reshaped(b, [n, k]), at);
  const c = transposeLastTwo(backend, reshaped(ct, [n, m]));
  release(backend, at, ct);
  const batch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return reshaped(c, [...batch, a.shape[a.shape.length - 2], n]);
}
