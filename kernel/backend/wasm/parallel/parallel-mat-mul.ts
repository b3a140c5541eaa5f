// Entry point for the tuned BatchMatMul / _FusedMatMul kernels: decides whether a matmul is worth
// the second core (size, shape, worker ready) and how to cut it (split-plan.ts).
import * as tf from "@tensorflow/tfjs";
import type { TensorInfo } from "@tensorflow/tfjs";
import { release, reshaped, transposeLastTwo } from "../call-kernel";
import { toFastOperands } from "../flatten-mat-mul";
import { sizeOf, type WasmBackendLike } from "../wasm-heap";
import { colSplitMatMul } from "./col-split";
import type { Epilogue } from "./fused-call";
import type { AliasingBackend } from "./heap-alias";
import { rowSplitMatMul } from "./row-split";
import { singleMatrixOperands } from "./single-matrix";
import { MAX_CHUNKS } from "./channel";
import { mainShare, planSplit, type Split } from "./split-plan";
import { workerReady, type Outcome } from "./worker-host";

/**
 * Tuning knobs (measured by test/bench/parallel-matmul.ts). `minFlop`: below it the copies and
 * the wake-up cost more than half the matmul saves. `chunkFlop`: the worker's part is cut into
 * chunks of about this size (at most MAX_CHUNKS), the grain at which a slow worker's leftovers
 * move to the main thread. `force` pins a split (benchmarks, tests).
 */
export const parallelSettings: { enabled: boolean; minFlop: number; chunkFlop: number; force?: Split } = {
  enabled: true,
  minFlop: 2e6,
  chunkFlop: 4e6,
};

/**
 * How often each path ran (tests and benchmarks): splits where the worker computed by rows / by
 * columns, splits the main thread took back whole, and chunks of the worker's parts it took back.
 */
export const parallelCounts = { rows: 0, cols: 0, reclaimed: 0, chunksTakenBack: 0 };

/** Chunks for the worker's `extent` rows or columns, each costing `perUnit` multiply-adds: each ≥ chunkFlop and ≥ 8 wide. */
function chunkCount(extent: number, perUnit: number): number {
  const byFlop = Math.floor((2 * extent * perUnit) / parallelSettings.chunkFlop);
  return Math.max(1, Math.min(MAX_CHUNKS, Math.floor(extent / 8), byFlop));
}

/** The product on two threads with the output in its final shape, or null: the caller runs it on one. */
export function parallelMatMul(
  wasmBackend: WasmBackendLike,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  e: Epilogue,
): TensorInfo | null {
  if (!parallelSettings.enabled || sizeOf(b.shape.slice(0, -2)) !== 1) return null;
  const backend = wasmBackend as AliasingBackend;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const aRows = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const inner = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const cols = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if ((transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) !== inner) return null; // the shipped path reports it
  const rows = sizeOf(a.shape.slice(0, -2)) * aRows;
  if (2 * rows * inner * cols < parallelSettings.minFlop || !workerReady()) return null;
  const split = planSplit({ rows, inner, cols, transposeA, transposeB }, parallelSettings.force);
  if (split == null) return null;
  const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), aRows, cols];
  let result: { out: TensorInfo; outcome: Outcome } | null;
  if (split === "rows") {
    const fast = toFastOperands(backend, a, b, transposeA, transposeB) ?? singleMatrixOperands(a, b, transposeA, transposeB)!;
    result = rowSplitMatMul(backend, fast.a, fast.b, e, chunkCount(rows - mainShare(rows), inner * cols));
    release(backend, ...fast.temporaries);
  } else {
    const a2 = transposeA ? transposeLastTwo(backend, a) : a;
    result = colSplitMatMul(backend, a2, b, transposeB, rows, inner, cols, e, chunkCount(cols - mainShare(cols), rows * inner));
    if (a2 !== a) release(backend, a2);
  }
  if (result == null) return null;
  const { ended, takenBack } = result.outcome;
  if (ended === "reclaimed") parallelCounts.reclaimed++;
  else if (ended === "done") parallelCounts[split]++;
  parallelCounts.chunksTakenBack += takenBack;
  return reshaped(result.out, outShape);
}
