// Raw-tfjs training programs shared by the DCGAN correctness test and test/bench/backend.ts:
// an MLP classifier, an MLP GAN and a small DCGAN, deterministic (seeded weights and data).
import * as tf from "@tensorflow/tfjs";
import { seededValues } from "./on-backends";

export interface TrainingProgram {
  name: string;
  /** FLOP model (perf notes §4): MLP 3×forward; GANs 4·G + 9·D forward matmul/conv FLOPs. */
  mflopPerStep: number;
  /** One optimisation step; returns its loss scalars, which the caller reads and disposes. */
  step(): tf.Scalar[];
  variables(): tf.Variable[];
  dispose(): void;
}

// Reset by every program factory, so the same program gets the same weights on every backend.
let seedCounter = 1000;
function resetSeeds(): void {
  seedCounter = 1000;
}
function param(shape: number[], fanIn: number, fanOut: number): tf.Variable {
  const scale = Math.sqrt(6 / (fanIn + fanOut));
  const values = seededValues(shape.reduce((a, b) => a * b, 1), seedCounter++).map((v) => v * scale);
  return tf.tidy(() => tf.variable(tf.tensor(values, shape)));
}
function zeros(shape: number[]): tf.Variable {
  return tf.tidy(() => tf.variable(tf.zeros(shape)));
}
function data(shape: number[], count: number, seed: number): tf.Tensor[] {
  return Array.from({ length: count }, (_, i) => tf.tensor(seededValues(shape.reduce((a, b) => a * b, 1), seed + i), shape));
}

interface Dense { w: tf.Variable; b: tf.Variable }
function denseLayers(sizes: number[]): Dense[] {
  return sizes.slice(1).map((out, i) => ({ w: param([sizes[i], out], sizes[i], out), b: zeros([out]) }));
}
function denseForward(layers: Dense[], x: tf.Tensor, hidden: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  return layers.reduce((h, l, i) => {
    const y = tf.add(tf.matMul(h, l.w), l.b);
    return i < layers.length - 1 ? hidden(y) : y;
  }, x);
}
const denseVars = (layers: Dense[]) => layers.flatMap((l) => [l.w, l.b]);
const denseMflop = (sizes: number[], batch: number) => sizes.slice(1).reduce((s, out, i) => s + (2 * batch * sizes[i] * out) / 1e6, 0);
const lrelu = (t: tf.Tensor) => tf.leakyRelu(t, 0.2);

/** The pieces of the MLP benchmark: forward function, variables, four batches of inputs and one-hot labels. */
export interface MlpParts {
  name: string;
  mflopPerStep: number;
  forward(x: tf.Tensor): tf.Tensor;
  vars: tf.Variable[];
  xs: tf.Tensor[];
  ys: tf.Tensor[];
}

export function mlpParts(batch = 64): MlpParts {
  resetSeeds();
  const sizes = [784, 256, 128, 10];
  const layers = denseLayers(sizes);
  return {
    name: "MLP 784-256-128-10",
    mflopPerStep: 3 * denseMflop(sizes, batch),
    forward: (x) => denseForward(layers, x, tf.relu),
    vars: denseVars(layers),
    xs: data([batch, 784], 4, 1),
    ys: Array.from({ length: 4 }, (_, i) => tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, j) => (i * 7 + j * 3) % 10), "int32"), 10)),
  };
}

export function mlpClassifier(batch = 64): TrainingProgram {
  const { name, mflopPerStep, forward, vars, xs, ys } = mlpParts(batch);
  const opt = tf.train.adam(1e-3);
  let i = 0;
  return {
    name,
    mflopPerStep,
    step() {
      const k = i++ % xs.length;
      return [opt.minimize(() => tf.losses.softmaxCrossEntropy(ys[k], forward(xs[k])) as tf.Scalar, true)!];
    },
    variables: () => vars,
    dispose() {
      tf.dispose([...xs, ...ys, ...vars]);
      opt.dispose();
    },
  };
}

/** The pieces of a GAN benchmark: networks, their variables, deterministic data, and the FLOP model. */
export interface GanParts {
  name: string;
  mflopPerStep: number;
  batch: number;
  lr: number;
  generate(z: tf.Tensor): tf.Tensor;
  discriminate(x: tf.Tensor): tf.Tensor;
  gVars: tf.Variable[];
  dVars: tf.Variable[];
  /** Four batches of real samples and of noise. */
  reals: tf.Tensor[];
  noises: tf.Tensor[];
}

function ganParts(
  name: string, mflopPerStep: number, batch: number, zDim: number, realShape: number[],
  generate: (z: tf.Tensor) => tf.Tensor, discriminate: (x: tf.Tensor) => tf.Tensor,
  gVars: tf.Variable[], dVars: tf.Variable[], lr: number,
): GanParts {
  return { name, mflopPerStep, batch, lr, generate, discriminate, gVars, dVars, reals: data([batch, ...realShape], 4, 11), noises: data([batch, zDim], 4, 21) };
}

/** Generator + discriminator trained alternately with Adam(β1=0.5), the usual GAN recipe. */
export function ganProgram(parts: GanParts): TrainingProgram {
  const { name, mflopPerStep, batch, generate, discriminate, gVars, dVars, reals, noises, lr } = parts;
  const ones = tf.ones([batch, 1]);
  const zerosT = tf.zeros([batch, 1]);
  const optD = tf.train.adam(lr, 0.5);
  const optG = tf.train.adam(lr, 0.5);
  let i = 0;
  return {
    name,
    mflopPerStep,
    step() {
      const k = i++ % reals.length;
      const dLoss = optD.minimize(() => {
        const fake = generate(noises[k]);
        return tf.add(
          tf.losses.sigmoidCrossEntropy(ones, discriminate(reals[k])),
          tf.losses.sigmoidCrossEntropy(zerosT, discriminate(fake)),
        ) as tf.Scalar;
      }, true, dVars)!;
      const gLoss = optG.minimize(() => tf.losses.sigmoidCrossEntropy(ones, discriminate(generate(noises[k]))) as tf.Scalar, true, gVars)!;
      return [dLoss, gLoss];
    },
    variables: () => [...gVars, ...dVars],
    dispose() {
      tf.dispose([...reals, ...noises, ones, zerosT, ...gVars, ...dVars]);
      optD.dispose();
      optG.dispose();
    },
  };
}

export function mlpGan(batch = 64): TrainingProgram {
  return ganProgram(mlpGanParts(batch));
}

export function mlpGanParts(batch = 64): GanParts {
  resetSeeds();
  const gSizes = [64, 256, 512, 784];
  const dSizes = [784, 512, 256, 1];
  const g = denseLayers(gSizes);
  const d = denseLayers(dSizes);
  const mflop = 4 * denseMflop(gSizes, batch) + 9 * denseMflop(dSizes, batch);
  return ganParts(
    "MLP GAN G 64-256-512-784 / D 784-512-256-1", mflop, batch, 64, [784],
    (z) => tf.tanh(denseForward(g, z, lrelu)),
    (x) => denseForward(d, x, lrelu),
    denseVars(g), denseVars(d), 2e-4,
  );
}

export interface DcganSize { batch: number; z: number; gCh: [number, number]; dCh: [number, number] }

/** G: dense → 7×7×gCh0 → convT 5×5/2 → 14×14×gCh1 → convT 5×5/2 → 28×28×1 (tanh). D mirrors it with conv2d. */
export function dcgan(size?: DcganSize, lr?: number): TrainingProgram {
  return ganProgram(dcganParts(size, lr));
}

export function dcganParts(size: DcganSize = { batch: 32, z: 64, gCh: [32, 16], dCh: [16, 32] }, lr = 2e-4): GanParts {
  resetSeeds();
  const { batch, z, gCh, dCh } = size;
  const gDense = { w: param([z, 49 * gCh[0]], z, 49 * gCh[0]), b: zeros([49 * gCh[0]]) };
  const gT1 = param([5, 5, gCh[1], gCh[0]], 25 * gCh[0], 25 * gCh[1]); // convT filter: [h, w, out, in]
  const gT2 = param([5, 5, 1, gCh[1]], 25 * gCh[1], 25);
  const dC1 = param([5, 5, 1, dCh[0]], 25, 25 * dCh[0]);
  const dC2 = param([5, 5, dCh[0], dCh[1]], 25 * dCh[0], 25 * dCh[1]);
  const dDense = { w: param([49 * dCh[1], 1], 49 * dCh[1], 1), b: zeros([1]) };
  const generate = (noise: tf.Tensor) => {
    const h0 = tf.reshape(tf.relu(tf.add(tf.matMul(noise, gDense.w), gDense.b)), [batch, 7, 7, gCh[0]]) as tf.Tensor4D;
    const h1 = tf.relu(tf.conv2dTranspose(h0, gT1 as tf.Tensor4D, [batch, 14, 14, gCh[1]], 2, "same"));
    return tf.tanh(tf.conv2dTranspose(h1, gT2 as tf.Tensor4D, [batch, 28, 28, 1], 2, "same"));
  };
  const discriminate = (x: tf.Tensor) => {
    const h1 = lrelu(tf.conv2d(x as tf.Tensor4D, dC1 as tf.Tensor4D, 2, "same"));
    const h2 = lrelu(tf.conv2d(h1 as tf.Tensor4D, dC2 as tf.Tensor4D, 2, "same"));
    return tf.add(tf.matMul(tf.reshape(h2, [batch, 49 * dCh[1]]), dDense.w), dDense.b);
  };
  const conv = (outHW: number, cin: number, cout: number) => (2 * batch * outHW * outHW * cout * 25 * cin) / 1e6;
  const gMflop = (2 * batch * z * 49 * gCh[0]) / 1e6 + conv(7, gCh[1], gCh[0]) + conv(14, 1, gCh[1]);
  const dMflop = conv(14, 1, dCh[0]) + conv(7, dCh[0], dCh[1]) + (2 * batch * 49 * dCh[1]) / 1e6;
  return ganParts(
    `DCGAN b${batch} G ${gCh.join("/")} D ${dCh.join("/")}`, 4 * gMflop + 9 * dMflop, batch, z, [28, 28, 1],
    generate, discriminate, [gDense.w, gDense.b, gT1, gT2], [dC1, dC2, dDense.w, dDense.b], lr,
  );
}
