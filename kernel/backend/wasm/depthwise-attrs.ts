// Attributes shared by the two depthwise gradient kernels, and their conv geometry.
import * as tf from "@tensorflow/tfjs";

export interface DepthwiseGradAttrs {
  strides: [number, number] | number;
  dilations?: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

export function depthwiseInfo(
  kernelName: string,
  xShape: number[],
  filterShape: number[],
  attrs: DepthwiseGradAttrs,
): tf.backend_util.Conv2DInfo {
  const { strides, dilations, pad, dimRoundingMode } = attrs;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  if (info.outChannels % info.inChannels !== 0) {
    throw new Error(`wasm ${kernelName}: filter ${JSON.stringify(filterShape)} does not match ${info.inChannels} input channels.`);
  }
  return info;
}
