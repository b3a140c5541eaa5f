// Conv2DBackpropFilter for wasm (missing in 4.22): dW = patches(x)^T · dy as one XNNPACK matmul.
import * as tf from "@tensorflow/tfjs";
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import type { Conv2DGradAttrs } from "./conv-attrs";
import { release, reshaped, runWasmKernel, transposeLastTwo } from "./call-kernel";
import { im2col } from "./im2col";
import type { WasmBackendLike } from "./wasm-heap";

interface Attrs extends Conv2DGradAttrs {
  filterShape: [number, number, number, number];
}

function conv2DBackpropFilter(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as unknown as WasmBackendLike;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Attrs;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  if (format !== "channelsLast") {
    throw new Error(`wasm Conv2DBackpropFilter: dataFormat '${dataFormat}' is not supported on wasm; use dataFormat 'NHWC' (channelsLast).`);
  }
  const conv = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, format,
  );
  const rows = conv.batchSize * conv.outHeight * conv.outWidth;
  const patchLen = conv.filterHeight * conv.filterWidth * conv.inChannels;
  const outCh = conv.outChannels;
  const patches = im2col(backend, x, conv);
  const dy3 = reshaped(dy, [1, rows, outCh]);
  const noTranspose = { transposeA: false, transposeB: false };
  let dW: TensorInfo;
  // Transpose whichever side moves fewer floats: the patch matrix, or dy plus the small result.
  if (rows * patchLen <= rows * outCh + patchLen * outCh) {
    const patchesT = transposeLastTwo(backend, reshaped(patches, [1, rows, patchLen]));
    dW = runWasmKernel("BatchMatMul", backend, { a: patchesT, b: dy3 }, noTranspose);
    release(backend, patches, patchesT);
  } else {
    const dyT = transposeLastTwo(backend, dy3);
    const dWT = runWasmKernel("BatchMatMul", backend, { a: dyT, b: reshaped(patches, [1, rows, patchLen]) }, noTranspose);
    dW = transposeLastTwo(backend, dWT);
    release(backend, patches, dyT, dWT);
  }
  return { ...dW, shape: [...filterShape] };
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: "wasm",
  kernelFunc: conv2DBackpropFilter as KernelFunc,
};
