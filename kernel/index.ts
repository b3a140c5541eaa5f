/**
 * tslab-lightning: PyTorch Lightning 2.x's trainer API on TensorFlow.js, with live charts beneath the running cell.
 * `tf` is re-exported so notebook cells and the library share one TensorFlow.js instance.
 */
import * as tf from "@tensorflow/tfjs";
export { tf };
export * from "./trainer";
