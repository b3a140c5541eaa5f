// Patch matrix of an NHWC input (im2col) and its adjoint (col2im) on the wasm heap, so that
// convolution gradients become single XNNPACK matmuls instead of 7-deep scalar loops.
import type { TensorInfo, backend_util } from "@tensorflow/tfjs";
import { forEachPatchRun } from "./patch-runs";
import { elementOffset, heapF32, sizeOf, type WasmBackendLike } from "./wasm-heap";

/** [batch*outH*outW, filterH*filterW*inChannels]; zero where a window hangs over the padding. */
export function im2col(backend: WasmBackendLike, x: TensorInfo, conv: backend_util.Conv2DInfo): TensorInfo {
  const rowLen = conv.filterHeight * conv.filterWidth * conv.inChannels;
  const rows = conv.batchSize * conv.outHeight * conv.outWidth;
  const out = backend.makeOutput([rows, rowLen], "float32");
  const heap = heapF32(backend); // taken after the allocation, which may grow the heap
  const xBase = elementOffset(backend, x);
  const pBase = elementOffset(backend, out);
  heap.fill(0, pBase, pBase + rows * rowLen);
  forEachPatchRun(conv, (p, i, len) => copyRun(heap, pBase + p, xBase + i, len));
  return out;
}

/** Sums every patch row back onto the image positions it was taken from: an NHWC tensor of `imageShape`. */
export function col2im(backend: WasmBackendLike, patches: TensorInfo, conv: backend_util.Conv2DInfo, imageShape: number[]): TensorInfo {
  const out = backend.makeOutput(imageShape, "float32");
  const heap = heapF32(backend);
  const pBase = elementOffset(backend, patches);
  const xBase = elementOffset(backend, out);
  heap.fill(0, xBase, xBase + sizeOf(imageShape));
  forEachPatchRun(conv, (p, i, len) => {
    const src = pBase + p;
    const dst = xBase + i;
    for (let k = 0; k < len; k++) heap[dst + k] += heap[src + k];
  });
  return out;
}

/** Short runs by hand (no call overhead), long runs with the native memmove. */
export function copyRun(heap: Float32Array, dst: number, src: number, len: number): void {
  if (len < 24) {
    for (let i = 0; i < len; i++) heap[dst + i] = heap[src + i];
  } else {
    heap.copyWithin(dst, src, src + len);
  }
}
