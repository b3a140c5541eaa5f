// Splits one large fast-path matmul (a [1, M, K] · b [1, K, N], optional bias + activation) over
// two threads by rows of a: the main thread computes the upper rows in place (aliases into a and
// the output, no copy), the worker the lower rows from a copy of its rows of a and of b.
//
// Why rows and not columns: a row split needs, on the main thread, nothing but the copy of the
// worker's operands (contiguous: a's lower rows and b). A column split would also have to gather
// the main thread's half of b's columns into a new tensor and scatter its output columns back
// (XNNPACK's output stride is fixed to the column count in tfjs), so it copies more on every
// training shape here (M ≥ 16); matmuls with fewer rows stay on one thread.
import type { TensorInfo } from "@tensorflow/tfjs";
import { elementOffset, heapF32 } from "../wasm-heap";
import { fusedMatMulInto, type Epilogue } from "./fused-call";
import { alias, dropAlias, internalId, type AliasingBackend } from "./heap-alias";
import { collect, post, workerReady } from "./worker-host";

/** Tuning knobs (benchmarks move them); `minFlop` comes from test/bench/parallel-matmul.ts. */
export const parallelSettings = { enabled: true, minFlop: 8e6, minRows: 16 };

/** How often each path ran (for tests and benchmarks). */
export const parallelCounts = { parallel: 0, reclaimed: 0 };

/** The main thread's share of the rows: half, rounded to XNNPACK's 8-row tiles. */
function mainRows(rows: number): number {
  return Math.max(8, Math.round(rows / 16) * 8);
}

/** Rows [start, start + count) of out = act(a · b + bias), computed on this thread in place. */
function rowsHere(backend: AliasingBackend, a: TensorInfo, b: TensorInfo, out: TensorInfo, e: Epilogue, start: number, count: number): void {
  const [, , inner] = a.shape;
  const cols = b.shape[2];
  const aRows = alias(backend, a, start * inner, count * inner);
  const outRows = alias(backend, out, start * cols, count * cols);
  try {
    fusedMatMulInto(
      backend.wasm,
      { a: aRows.id, b: internalId(backend, b), bias: e.bias == null ? 0 : internalId(backend, e.bias), out: outRows.id },
      count, inner, cols, e.activation, e.alpha,
    );
  } finally {
    dropAlias(backend, aRows);
    dropAlias(backend, outRows);
  }
}

/**
 * Returns the [1, M, N] output computed on two threads, or null when this matmul should stay on
 * one (too small, too few rows, worker not ready, or too big for the shared buffer).
 */
export function rowSplitMatMul(backend: AliasingBackend, a: TensorInfo, b: TensorInfo, e: Epilogue): TensorInfo | null {
  const [, rows, inner] = a.shape;
  const cols = b.shape[2];
  if (!parallelSettings.enabled || rows < parallelSettings.minRows || 2 * rows * inner * cols < parallelSettings.minFlop) return null;
  if (!workerReady()) return null;
  const here = mainRows(rows);
  const there = rows - here;
  const out = backend.makeOutput([1, rows, cols], "float32");
  const heap = heapF32(backend); // taken after makeOutput, which may grow the heap
  const aStart = elementOffset(backend, a) + here * inner;
  const bStart = elementOffset(backend, b);
  const biasStart = e.bias == null ? 0 : elementOffset(backend, e.bias);
  const posted = post({
    rows: there,
    inner,
    cols,
    a: heap.subarray(aStart, aStart + there * inner),
    b: heap.subarray(bStart, bStart + inner * cols),
    bias: e.bias == null ? null : heap.subarray(biasStart, biasStart + cols),
    activation: e.activation,
    alpha: e.alpha,
  });
  if (!posted) {
    backend.disposeData(out.dataId);
    return null;
  }
  rowsHere(backend, a, b, out, e, 0, here);
  const outcome = collect((lower) => heapF32(backend).set(lower, elementOffset(backend, out) + here * cols));
  if (outcome !== "done") rowsHere(backend, a, b, out, e, here, there);
  if (outcome === "reclaimed") parallelCounts.reclaimed++;
  else if (outcome === "done") parallelCounts.parallel++;
  return out;
}
