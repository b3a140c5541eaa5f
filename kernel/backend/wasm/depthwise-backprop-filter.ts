// DepthwiseConv2dNativeBackpropFilter for wasm (missing in 4.22). Each channel has its own
// filter, so this is not one matmul: patches(x) ⊙ dy summed over all output positions,
// with the wasm Multiply (broadcast) and Sum kernels doing the arithmetic in C++.
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import { release, reshaped, runWasmKernel } from "./call-kernel";
import { type DepthwiseGradAttrs, depthwiseInfo } from "./depthwise-attrs";
import { im2col } from "./im2col";
import type { WasmBackendLike } from "./wasm-heap";

function depthwiseBackpropFilter(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as unknown as WasmBackendLike;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseGradAttrs & { filterShape: number[] };
  const conv = depthwiseInfo("DepthwiseConv2dNativeBackpropFilter", x.shape, attrs.filterShape, attrs);
  const rows = conv.batchSize * conv.outHeight * conv.outWidth;
  const taps = conv.filterHeight * conv.filterWidth;
  const channels = conv.inChannels;
  const multiplier = conv.outChannels / channels;
  const patches = im2col(backend, x, conv); // [rows, taps*channels]
  const products = runWasmKernel("Multiply", backend, {
    a: reshaped(patches, [rows, taps, channels, 1]),
    b: reshaped(dy, [rows, 1, channels, multiplier]),
  });
  const dW = runWasmKernel("Sum", backend, { x: products }, { axis: [0], keepDims: false });
  release(backend, patches, products);
  return { ...dW, shape: [...attrs.filterShape] };
}

export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropFilter",
  backendName: "wasm",
  kernelFunc: depthwiseBackpropFilter as KernelFunc,
};
