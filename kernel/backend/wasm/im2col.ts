// Patch matrix of an NHWC input built directly on the wasm heap, so a convolution gradient
// becomes one XNNPACK matmul instead of a 7-deep scalar loop.
import type { TensorInfo, backend_util } from "@tensorflow/tfjs";
import { elementOffset, heapF32, type WasmBackendLike } from "./wasm-heap";

type Conv2DInfo = backend_util.Conv2DInfo;

/** [batch*outH*outW, filterH*filterW*inChannels]; zero where a window hangs over the padding. */
export function im2col(backend: WasmBackendLike, x: TensorInfo, conv: Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = conv;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = conv;
  const { dilationHeight: dh, dilationWidth: dw } = conv;
  const top = conv.padInfo.top;
  const left = conv.padInfo.left;
  const rowLen = fh * fw * c;
  const rows = batchSize * outHeight * outWidth;
  const out = backend.makeOutput([rows, rowLen], "float32");
  const heap = heapF32(backend); // taken after the allocation, which may grow the heap
  const xBase = elementOffset(backend, x);
  const pBase = elementOffset(backend, out);
  heap.fill(0, pBase, pBase + rows * rowLen);
  let dst = pBase;
  for (let n = 0; n < batchSize; n++) {
    const xImage = xBase + n * inHeight * inWidth * c;
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, dst += rowLen) {
        const iw0 = ow * sw - left;
        // With dilation 1 the in-range kw taps of one filter row are contiguous in x and in the patch.
        const kwFrom = dw === 1 ? Math.max(0, -iw0) : 0;
        const kwTo = dw === 1 ? Math.min(fw, inWidth - iw0) : 0;
        for (let kh = 0; kh < fh; kh++) {
          const ih = oh * sh - top + kh * dh;
          if (ih < 0 || ih >= inHeight) continue;
          const xRow = xImage + ih * inWidth * c;
          const pRow = dst + kh * fw * c;
          if (dw === 1) {
            if (kwTo > kwFrom) copyRun(heap, pRow + kwFrom * c, xRow + (iw0 + kwFrom) * c, (kwTo - kwFrom) * c);
            continue;
          }
          for (let kw = 0; kw < fw; kw++) {
            const iw = iw0 + kw * dw;
            if (iw >= 0 && iw < inWidth) copyRun(heap, pRow + kw * c, xRow + iw * c, c);
          }
        }
      }
    }
  }
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
