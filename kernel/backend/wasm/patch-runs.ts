// Walks the correspondence between an NHWC image and its patch matrix
// [batch*outH*outW, filterH*filterW*channels] as contiguous runs, skipping taps that fall in the
// padding. im2col copies along the runs; col2im adds back along them.
import type { backend_util } from "@tensorflow/tfjs";

/** visit(patchIndex, imageIndex, length): element indices relative to the two buffers' starts. */
export type RunVisitor = (patchIndex: number, imageIndex: number, length: number) => void;

export function forEachPatchRun(conv: backend_util.Conv2DInfo, visit: RunVisitor): void {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = conv;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = conv;
  const { dilationHeight: dh, dilationWidth: dw } = conv;
  const top = conv.padInfo.top;
  const left = conv.padInfo.left;
  const rowLen = fh * fw * c;
  let patch = 0;
  for (let n = 0; n < batchSize; n++) {
    const image = n * inHeight * inWidth * c;
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, patch += rowLen) {
        const iw0 = ow * sw - left;
        // With dilation 1 the in-range kw taps of one filter row are contiguous in both buffers.
        const kwFrom = dw === 1 ? Math.max(0, -iw0) : 0;
        const kwTo = dw === 1 ? Math.min(fw, inWidth - iw0) : 0;
        for (let kh = 0; kh < fh; kh++) {
          const ih = oh * sh - top + kh * dh;
          if (ih < 0 || ih >= inHeight) continue;
          const imageRow = image + ih * inWidth * c;
          const patchRow = patch + kh * fw * c;
          if (dw === 1) {
            if (kwTo > kwFrom) visit(patchRow + kwFrom * c, imageRow + (iw0 + kwFrom) * c, (kwTo - kwFrom) * c);
            continue;
          }
          for (let kw = 0; kw < fw; kw++) {
            const iw = iw0 + kw * dw;
            if (iw >= 0 && iw < inWidth) visit(patchRow + kw * c, imageRow + iw * c, c);
          }
        }
      }
    }
  }
}
