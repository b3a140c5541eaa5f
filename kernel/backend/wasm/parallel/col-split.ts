// The column split (see split-plan.ts): the main thread computes the left output columns, the
// worker the right ones from a copy of a and of its part of b. Each part of b is made contiguous
// by whoever computes it: for a transposed b (stored [N, K]) a part is a run of whole rows, which
// that thread transposes; otherwise its columns are gathered. Outputs are scattered into place.
import type { TensorInfo } from "@tensorflow/tfjs";
import { reshaped, release, transposeLastTwo } from "../call-kernel";
import { elementOffset, heapF32 } from "../wasm-heap";
import { fusedMatMulInto, type Epilogue } from "./fused-call";
import { alias, dropAlias, internalId, type AliasingBackend } from "./heap-alias";
import { mainShare } from "./split-plan";
import { collect, post, type Outcome } from "./worker-host";

/** Copies columns [c0, c0 + count) of a row-major rows × cols matrix at `from` into `into` (rows × count). */
function gatherColumns(heap: Float32Array, from: number, rows: number, cols: number, c0: number, count: number, into: Float32Array): void {
  for (let r = 0; r < rows; r++) into.set(heap.subarray(from + r * cols + c0, from + r * cols + c0 + count), r * count);
}

/** Writes a rows × count block into columns [c0, c0 + count) of the rows × cols matrix at `to`. */
function scatterColumns(heap: Float32Array, block: Float32Array, rows: number, cols: number, c0: number, count: number, to: number): void {
  for (let r = 0; r < rows; r++) heap.set(block.subarray(r * count, (r + 1) * count), to + r * cols + c0);
}

/**
 * a2 [M, K] (contiguous, any leading shape) · b (stored [K, N], or [N, K] with transposeB) on two
 * threads into a new [M, N]; null (nothing done) if the job does not fit in shared memory.
 */
export function colSplitMatMul(
  backend: AliasingBackend,
  a2: TensorInfo,
  b: TensorInfo,
  transposeB: boolean,
  rows: number,
  inner: number,
  cols: number,
  e: Epilogue,
): { out: TensorInfo; outcome: Outcome } | null {
  const here = mainShare(cols);
  const there = cols - here;
  const out = backend.makeOutput([rows, cols], "float32");
  let heap = heapF32(backend);
  const aStart = elementOffset(backend, a2);
  const bStart = elementOffset(backend, b);
  const biasStart = e.bias == null ? 0 : elementOffset(backend, e.bias);
  const posted = post({
    rows,
    inner,
    cols: there,
    a: heap.subarray(aStart, aStart + rows * inner),
    b: transposeB
      ? heap.subarray(bStart + here * inner, bStart + cols * inner)
      : (into) => gatherColumns(heap, bStart, inner, cols, here, there, into),
    transposeB,
    bias: e.bias == null ? null : heap.subarray(biasStart + here, biasStart + cols),
    activation: e.activation,
    alpha: e.alpha,
  });
  if (!posted) {
    backend.disposeData(out.dataId);
    return null;
  }
  colsHere(backend, a2, b, transposeB, out, e, rows, inner, cols, 0, here);
  const outcome = collect((right) => {
    heap = heapF32(backend);
    scatterColumns(heap, right, rows, cols, here, there, elementOffset(backend, out));
  });
  if (outcome !== "done") colsHere(backend, a2, b, transposeB, out, e, rows, inner, cols, here, there);
  return { out, outcome };
}

/** Columns [c0, c0 + count) of out = act(a2 · b + bias), computed on this thread. */
function colsHere(
  backend: AliasingBackend,
  a2: TensorInfo,
  b: TensorInfo,
  transposeB: boolean,
  out: TensorInfo,
  e: Epilogue,
  rows: number,
  inner: number,
  cols: number,
  c0: number,
  count: number,
): void {
  let part: TensorInfo; // b's columns [c0, c0 + count) as a contiguous inner × count tensor (fresh id)
  if (transposeB) {
    const stored = alias(backend, b, c0 * inner, count * inner);
    part = transposeLastTwo(backend, reshaped(stored.info, [count, inner]));
    dropAlias(backend, stored);
  } else {
    part = backend.makeOutput([inner, count], "float32");
    const heap = heapF32(backend);
    gatherColumns(heap, elementOffset(backend, b), inner, cols, c0, count, heap.subarray(elementOffset(backend, part)));
  }
  const bias = e.bias == null ? null : alias(backend, e.bias, c0, count);
  const block = backend.makeOutput([rows, count], "float32");
  try {
    fusedMatMulInto(
      backend.wasm,
      { a: internalId(backend, a2), b: internalId(backend, part), bias: bias?.id ?? 0, out: internalId(backend, block) },
      rows, inner, count, e.activation, e.alpha,
    );
    const heap = heapF32(backend);
    const blockStart = elementOffset(backend, block);
    scatterColumns(heap, heap.subarray(blockStart, blockStart + rows * count), rows, cols, c0, count, elementOffset(backend, out));
  } finally {
    if (bias != null) dropAlias(backend, bias);
    release(backend, part, block);
  }
}
