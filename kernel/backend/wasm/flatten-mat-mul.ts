// Shared routing for BatchMatMul and _FusedMatMul: XNNPACK (26 GFLOP/s) only runs when neither
// operand is transposed and both are a single matrix; everything else hits a scalar loop
// (~1.8 GFLOP/s). We materialise transposes with the wasm Transpose kernel and fold a's batch
// into its rows when b is a single matrix, then call the shipped kernel on the fast path.
import * as tf from "@tensorflow/tfjs";
import type { TensorInfo } from "@tensorflow/tfjs";
import { release, reshaped, transposeLastTwo } from "./call-kernel";
import { sizeOf, type WasmBackendLike } from "./wasm-heap";

export interface FastOperands {
  a: TensorInfo; // [1, rows, K]
  b: TensorInfo; // [1, K, N]
  outShape: number[];
  temporaries: TensorInfo[];
}

/** Returns fast-path operands, or null when the shipped kernel must handle it (b batched, or already fast). */
export function toFastOperands(
  backend: WasmBackendLike,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): FastOperands | null {
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  if (batchB !== 1) return null;
  if (!transposeA && !transposeB && batchA === 1) return null;
  const temporaries: TensorInfo[] = [];
  const a2 = transposeA ? transposeLastTwo(backend, a) : a;
  const b2 = transposeB ? transposeLastTwo(backend, b) : b;
  if (a2 !== a) temporaries.push(a2);
  if (b2 !== b) temporaries.push(b2);
  const rows = a2.shape[a2.shape.length - 2];
  const inner = a2.shape[a2.shape.length - 1];
  const cols = b2.shape[b2.shape.length - 1];
  if (b2.shape[b2.shape.length - 2] !== inner) {
    release(backend, ...temporaries);
    throw new Error(
      `matMul: inner dimensions differ: a ${JSON.stringify(a.shape)} (transposeA=${transposeA}) and ` +
        `b ${JSON.stringify(b.shape)} (transposeB=${transposeB}); transpose one operand so they match.`,
    );
  }
  const batchShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return {
    a: reshaped(a2, [1, batchA * rows, inner]),
    b: reshaped(b2, [1, inner, cols]),
    outShape: [...batchShape, rows, cols],
    temporaries,
  };
}
