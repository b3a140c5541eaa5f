// Conv2DBackpropInput for wasm (conv2d's input gradient and conv2dTranspose's forward). The
// shipped kernel is a scalar C++ loop; here: patch gradients dy · Wᵀ as one XNNPACK matmul,
// then col2im sums them onto the input positions. NCHW stays on the shipped kernel.
import * as tf from "@tensorflow/tfjs";
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import type { Conv2DGradAttrs } from "./conv-attrs";
import { release, reshaped, runWasmKernel, transposeLastTwo } from "./call-kernel";
import { col2im } from "./im2col";
import type { WasmBackendLike } from "./wasm-heap";

interface Attrs extends Conv2DGradAttrs {
  inputShape: [number, number, number, number];
}

export function tunedConv2DBackpropInputConfig(shipped: KernelConfig): KernelConfig {
  const kernelFunc = (args: Parameters<KernelFunc>[0]): TensorInfo => {
    const backend = args.backend as unknown as WasmBackendLike;
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as Attrs;
    const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
    if (format !== "channelsLast") return shipped.kernelFunc(args) as TensorInfo;
    const conv = tf.backend_util.computeConv2DInfo(
      inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, format,
    );
    const rows = conv.batchSize * conv.outHeight * conv.outWidth;
    const patchLen = conv.filterHeight * conv.filterWidth * conv.inChannels;
    const filterT = transposeLastTwo(backend, reshaped(filter, [1, patchLen, conv.outChannels])); // [1, Cout, K]
    const patchGrads = runWasmKernel(
      "BatchMatMul", backend,
      { a: reshaped(dy, [1, rows, conv.outChannels]), b: filterT },
      { transposeA: false, transposeB: false },
    );
    const dx = col2im(backend, patchGrads, conv, [...inputShape]);
    release(backend, filterT, patchGrads);
    return dx;
  };
  return { ...shipped, kernelFunc: kernelFunc as KernelFunc };
}
