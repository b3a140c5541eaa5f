// Entry point for the tuned BatchMatMul / _FusedMatMul kernels: decides whether a matmul is worth
// the second core (size, shape, worker ready, and whether splitting pays right now: payoff.ts)
// and how to cut it (split-plan.ts).
import * as tf from "@tensorflow/tfjs";
import type { TensorInfo } from "@tensorflow/tfjs";
import { performance } from "node:perf_hooks";
import { release, reshaped, transposeLastTwo } from "../call-kernel";
import { toFastOperands } from "../flatten-mat-mul";
import { sizeOf, type WasmBackendLike } from "../wasm-heap";
import { colSplitMatMul } from "./col-split";
import type { Epilogue } from "./fused-call";
import type { AliasingBackend } from "./heap-alias";
import { record, verdict } from "./payoff";
import { rowSplitMatMul, rowsHere } from "./row-split";
import { singleMatrixOperands } from "./single-matrix";
import { planSplit, type Split } from "./split-plan";
import { workerReady, type Outcome } from "./worker-host";

/**
 * Tuning knobs. `minFlop`: below it the copies and the wake-up cost more than half the matmul
 * saves (measured by test/bench/parallel-matmul.ts). `force` pins a split (benchmarks, tests).
 */
export const parallelSettings: { enabled: boolean; minFlop: number; force?: Split } = { enabled: true, minFlop: 2e6 };

/** How often each path ran (tests and benchmarks): split by rows / by columns, and jobs the main thread took back. */
export const parallelCounts = { rows: 0, cols: 0, reclaimed: 0 };

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
  const key = `${rows}x${inner}x${cols}${transposeA ? "T" : "N"}${transposeB ? "T" : "N"}${e.bias ? "b" : ""}`;
  const choice = parallelSettings.force == null ? verdict(key) : "split";
  if (choice === "off") return null;
  const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), aRows, cols];
  const t0 = performance.now();
  let result: { out: TensorInfo; outcome: Outcome } | null;
  if (choice === "solo") {
    // The one-thread reference payoff.ts compares splits with: the shipped fast path's C call.
    const fast = toFastOperands(backend, a, b, transposeA, transposeB) ?? singleMatrixOperands(a, b, transposeA, transposeB)!;
    const out = backend.makeOutput([1, rows, cols], "float32");
    rowsHere(backend, fast.a, fast.b, out, e, 0, rows);
    release(backend, ...fast.temporaries);
    record(key, "solo", performance.now() - t0);
    return reshaped(out, outShape);
  }
  if (split === "rows") {
    const fast = toFastOperands(backend, a, b, transposeA, transposeB) ?? singleMatrixOperands(a, b, transposeA, transposeB)!;
    result = rowSplitMatMul(backend, fast.a, fast.b, e);
    release(backend, ...fast.temporaries);
  } else {
    const a2 = transposeA ? transposeLastTwo(backend, a) : a;
    result = colSplitMatMul(backend, a2, b, transposeB, rows, inner, cols, e);
    if (a2 !== a) release(backend, a2);
  }
  if (result == null) return null;
  record(key, "split", performance.now() - t0);
  if (result.outcome === "reclaimed") parallelCounts.reclaimed++;
  else if (result.outcome === "done") parallelCounts[split]++;
  return reshaped(result.out, outShape);
}
