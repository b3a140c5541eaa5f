/**
 * A small MNIST classifier used as a judge of generated digits (a poor man's Inception score): trained on the real
 * digits, it reports how confidently it recognises each generated image and which classes appear.
 */
import * as tf from "@tensorflow/tfjs";
import { mulberry32 } from "../trainer/seed";
import { loadMnist, mnistTensors, splitMnist, MNIST_PIXELS } from "./mnist";

export interface DigitRaterOptions {
  /** Digits held out for the accuracy figure (default 2000 of the 10 000). */
  holdout?: number;
  epochs?: number;
  batchSize?: number;
  seed?: number;
  /** "mlp" or "conv". Default "mlp". */
  kind?: "mlp" | "conv";
}

export interface DigitRating {
  /** Mean over samples of the classifier's top softmax probability. */
  meanTopProb: number;
  /** Distinct predicted classes. */
  classesPresent: number;
  /** Predicted count per class (index = digit). */
  histogram: number[];
  count: number;
}

export class DigitRater {
  constructor(readonly model: tf.LayersModel, readonly accuracy: number, readonly seconds: number) {}

  /** Rates images given as a tensor `[N,784]`, `[N,28,28]` or `[N,28,28,1]` in [0,1] (or [-1,1] with `range: "tanh"`). */
  async rate(images: tf.Tensor, range: "unit" | "tanh" = "unit"): Promise<DigitRating> {
    const probs = tf.tidy(() => {
      let x = images.reshape([images.shape[0], 28, 28, 1]).toFloat();
      if (range === "tanh") x = x.add(1).div(2);
      return tf.softmax(this.model.predict(x.clipByValue(0, 1)) as tf.Tensor2D);
    });
    const p = (await probs.array()) as number[][];
    probs.dispose();
    const histogram = new Array(10).fill(0);
    let sum = 0;
    for (const row of p) {
      let best = 0;
      for (let k = 1; k < 10; k++) if (row[k] > row[best]) best = k;
      histogram[best]++;
      sum += row[best];
    }
    return { meanTopProb: p.length ? sum / p.length : NaN, classesPresent: histogram.filter((c) => c > 0).length, histogram, count: p.length };
  }

  /** Rates flat pixel arrays (`n × 784`). */
  async rateArray(pixels: ArrayLike<number>, range: "unit" | "tanh" = "unit"): Promise<DigitRating> {
    const n = Math.floor(pixels.length / MNIST_PIXELS);
    const t = tf.tensor2d(Float32Array.from(pixels as ArrayLike<number>).subarray(0, n * MNIST_PIXELS), [n, MNIST_PIXELS]);
    try {
      return await this.rate(t, range);
    } finally {
      t.dispose();
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}

function buildModel(kind: "mlp" | "conv"): tf.LayersModel {
  const layers: tf.layers.Layer[] =
    kind === "mlp"
      ? [
          tf.layers.flatten({ inputShape: [28, 28, 1] }),
          tf.layers.dense({ units: 512, activation: "relu" }),
          tf.layers.dropout({ rate: 0.2 }),
          tf.layers.dense({ units: 10 }),
        ]
      : [
          tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 5, activation: "relu" }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.conv2d({ filters: 32, kernelSize: 5, activation: "relu" }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 64, activation: "relu" }),
          tf.layers.dense({ units: 10 }),
        ];
  const model = tf.sequential({ layers });
  return model;
}

/** A plain training loop (faster than model.fit on wasm: batches come from host memory, no per-batch callbacks). */
async function fitModel(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor2D, epochs: number, batchSize: number, seed: number): Promise<void> {
  const n = x.shape[0];
  const xs = await x.data();
  const ys = await y.data();
  const rowX = xs.length / n;
  const opt = tf.train.adam(1e-3);
  const rand = mulberry32(seed + 1);
  const order = Array.from({ length: n }, (_, i) => i);
  try {
    for (let e = 0; e < epochs; e++) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      const lr = e >= epochs - 2 ? 3e-4 : 1e-3;
      (opt as unknown as { learningRate: number }).learningRate = lr;
      for (let b = 0; b + batchSize <= n; b += batchSize) {
        const bx = new Float32Array(batchSize * rowX);
        const by = new Float32Array(batchSize * 10);
        for (let k = 0; k < batchSize; k++) {
          const r = order[b + k];
          bx.set(xs.subarray(r * rowX, (r + 1) * rowX), k * rowX);
          by.set(ys.subarray(r * 10, (r + 1) * 10), k * 10);
        }
        tf.tidy(() => {
          const tx = tf.tensor(bx, [batchSize, ...x.shape.slice(1)]);
          const ty = tf.tensor2d(by, [batchSize, 10]);
          opt.minimize(() => tf.losses.softmaxCrossEntropy(ty, model.apply(tx, { training: true }) as tf.Tensor) as tf.Scalar);
        });
      }
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    opt.dispose();
  }
}

/** Trains the judge on 8000 real digits and measures its accuracy on the 2000 held out. */
export async function trainDigitRater(options: DigitRaterOptions = {}): Promise<DigitRater> {
  const t0 = Date.now();
  const { train, test } = splitMnist(loadMnist({ seed: options.seed ?? 0 }), options.holdout ?? 2000);
  const tr = mnistTensors(train, { shape: "image" });
  const te = mnistTensors(test, { shape: "image" });
  // Seed initializers and dropout too (they draw from Math.random), so the judge is the same on every run.
  const savedRandom = Math.random;
  Math.random = mulberry32((options.seed ?? 0) + 7);
  const model = buildModel(options.kind ?? "mlp");
  try {
    await fitModel(model, tr.x, tr.y, options.epochs ?? 12, options.batchSize ?? 64, options.seed ?? 0);
    const acc = tf.tidy(() => {
      const pred = (model.predict(te.x) as tf.Tensor2D).argMax(1);
      return pred.equal(te.y.argMax(1)).toFloat().mean();
    });
    const accuracy = (await acc.data())[0];
    acc.dispose();
    return new DigitRater(model, accuracy, (Date.now() - t0) / 1000);
  } finally {
    Math.random = savedRandom;
    for (const t of [tr.x, tr.y, te.x, te.y]) t.dispose();
  }
}
