/** Dataset helpers for notebooks, tests and benchmarks. */
export {
  loadMnist, splitMnist, mnistTensors, classCounts, MNIST_SIDE, MNIST_PIXELS,
  type MnistArrays, type LoadMnistOptions, type MnistTensorOptions,
} from "./mnist";
export { DigitRater, trainDigitRater, type DigitRating, type DigitRaterOptions } from "./digit-rater";
export { imageGridPng } from "./digit-grid";
