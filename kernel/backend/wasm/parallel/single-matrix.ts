// The one matmul shape toFastOperands leaves alone (already on XNNPACK: no transpose, a and b
// single matrices) in the same [1, M, K] · [1, K, N] form, so the row split sees every fast matmul.
import * as tf from "@tensorflow/tfjs";
import type { TensorInfo } from "@tensorflow/tfjs";
import { reshaped } from "../call-kernel";
import type { FastOperands } from "../flatten-mat-mul";
import { sizeOf } from "../wasm-heap";

export function singleMatrixOperands(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): FastOperands | null {
  if (transposeA || transposeB || sizeOf(a.shape.slice(0, -2)) !== 1 || sizeOf(b.shape.slice(0, -2)) !== 1) return null;
  const [rows, inner] = a.shape.slice(-2);
  const [innerB, cols] = b.shape.slice(-2);
  if (inner !== innerB) return null; // the shipped kernel reports the mismatch
  const batchShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return { a: reshaped(a, [1, rows, inner]), b: reshaped(b, [1, inner, cols]), outShape: [...batchShape, rows, cols], temporaries: [] };
}
