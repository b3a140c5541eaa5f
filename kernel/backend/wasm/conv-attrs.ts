// Attributes of tfjs's Conv2DBackpropFilter / Conv2DBackpropInput kernels (tfjs-core kernel_names).
import type * as tf from "@tensorflow/tfjs";

export interface Conv2DGradAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
}
