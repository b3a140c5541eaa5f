// The row split (see split-plan.ts): the main thread computes a's upper rows in place (aliases
// into a and the output, no copy), the worker the lower rows from a copy of its rows of a and of b.
import type { TensorInfo } from "@tensorflow/tfjs";
import { elementOffset, heapF32 } from "../wasm-heap";
import { fusedMatMulInto, type Epilogue } from "./fused-call";
import { alias, dropAlias, internalId, type AliasingBackend } from "./heap-alias";
import { mainShare } from "./split-plan";
import { collect, post, type Outcome } from "./worker-host";

/** Rows [start, start + count) of out = act(a · b + bias), computed on this thread in place. */
export function rowsHere(backend: AliasingBackend, a: TensorInfo, b: TensorInfo, out: TensorInfo, e: Epilogue, start: number, count: number): void {
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

/** a [1, M, K] · b [1, K, N] on two threads; null (nothing done) if the job does not fit in shared memory. */
export function rowSplitMatMul(backend: AliasingBackend, a: TensorInfo, b: TensorInfo, e: Epilogue): { out: TensorInfo; outcome: Outcome } | null {
  const [, rows, inner] = a.shape;
  const cols = b.shape[2];
  const here = mainShare(rows);
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
    transposeB: false,
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
  return { out, outcome };
}
