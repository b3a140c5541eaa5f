// DepthwiseConv2dNativeBackpropInput for wasm (missing in 4.22): the input gradient is a
// forward depthwise convolution (XNNPACK) of dy spread out by the stride and padded, with the
// filter flipped in space. Channel multipliers > 1 are summed back per input channel.
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import { release, reshaped, runWasmKernel } from "./call-kernel";
import { type DepthwiseGradAttrs, depthwiseInfo } from "./depthwise-attrs";
import { copyRun } from "./im2col";
import { elementOffset, heapF32, type WasmBackendLike } from "./wasm-heap";

function depthwiseBackpropInput(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as unknown as WasmBackendLike;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseGradAttrs & { inputShape: number[] };
  const conv = depthwiseInfo("DepthwiseConv2dNativeBackpropInput", attrs.inputShape, filter.shape, attrs);
  const { batchSize, inHeight, inWidth, outHeight, outWidth, filterHeight: fh, filterWidth: fw } = conv;
  const { dilationHeight: dh, dilationWidth: dw, strideHeight: sh, strideWidth: sw } = conv;
  const ch = conv.outChannels; // inChannels * multiplier
  const multiplier = ch / conv.inChannels;
  // dx[h] = Σ_j spread[h + j·dh] · flip(W)[j]  with  spread[oh·sh + (fh-1)·dh - padTop] = dy[oh]
  const spreadH = inHeight + (fh - 1) * dh;
  const spreadW = inWidth + (fw - 1) * dw;
  const offH = (fh - 1) * dh - conv.padInfo.top;
  const offW = (fw - 1) * dw - conv.padInfo.left;
  const spread = backend.makeOutput([batchSize, spreadH, spreadW, ch], "float32");
  const flipped = backend.makeOutput([fh, fw, ch, 1], "float32");
  const heap = heapF32(backend);
  const sBase = elementOffset(backend, spread);
  const dyBase = elementOffset(backend, dy);
  heap.fill(0, sBase, sBase + batchSize * spreadH * spreadW * ch);
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const r = oh * sh + offH;
      if (r < 0 || r >= spreadH) continue; // a window lying wholly in the padding reaches no input
      for (let ow = 0; ow < outWidth; ow++) {
        const c = ow * sw + offW;
        if (c < 0 || c >= spreadW) continue;
        const src = dyBase + ((n * outHeight + oh) * outWidth + ow) * ch;
        copyRun(heap, sBase + ((n * spreadH + r) * spreadW + c) * ch, src, ch);
      }
    }
  }
  const fBase = elementOffset(backend, filter);
  const flipBase = elementOffset(backend, flipped);
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      copyRun(heap, flipBase + ((fh - 1 - kh) * fw + (fw - 1 - kw)) * ch, fBase + (kh * fw + kw) * ch, ch);
    }
  }
  const perChannel = runWasmKernel(
    "DepthwiseConv2dNative",
    backend,
    { x: spread, filter: flipped },
    { strides: [1, 1], pad: "valid", dilations: [dh, dw], dataFormat: "NHWC" },
  );
  release(backend, spread, flipped);
  if (multiplier === 1) return { ...perChannel, shape: [...attrs.inputShape] };
  const dx = runWasmKernel(
    "Sum",
    backend,
    { x: reshaped(perChannel, [batchSize, inHeight, inWidth, conv.inChannels, multiplier]) },
    { axis: [4], keepDims: false },
  );
  release(backend, perChannel);
  return { ...dx, shape: [...attrs.inputShape] };
}

export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropInput",
  backendName: "wasm",
  kernelFunc: depthwiseBackpropInput as KernelFunc,
};
