// Deterministic tfjs workloads shared by the webgpu tests (child.ts) and the benchmark (test/bench/webgpu.ts).
// Every value comes from a fixed LCG, so each backend starts from bit-identical inputs.
import * as tf from "@tensorflow/tfjs";

/** Uniform values in [-scale, scale) from a 32-bit LCG. */
export function lcgValues(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296 - 0.5) * 2 * scale;
  }
  return out;
}

export function lcgTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.tensor(lcgValues(shape.reduce((a, b) => a * b, 1), seed, scale), shape);
}

export function lcgVariable(shape: number[], seed: number, scale: number, name?: string): tf.Variable {
  const init = lcgTensor(shape, seed, scale);
  const v = tf.variable(init, true, name);
  init.dispose();
  return v;
}

/** One-hot labels of `classes` classes for `n` rows, deterministic. */
export function lcgOneHot(n: number, classes: number, seed: number): tf.Tensor2D {
  const idx = Array.from(lcgValues(n, seed, 1), (v) => Math.min(classes - 1, Math.floor(((v + 1) / 2) * classes)));
  return tf.tidy(() => tf.oneHot(tf.tensor1d(idx, "int32"), classes).toFloat()) as tf.Tensor2D;
}

/** Glorot-ish scale for a dense/conv weight with fan-in `fanIn` and fan-out `fanOut`. */
export function glorot(fanIn: number, fanOut: number): number {
  return Math.sqrt(6 / (fanIn + fanOut));
}

export interface Dense {
  w: tf.Variable;
  b: tf.Variable;
}

export function denseLayers(sizes: number[], seed: number, prefix: string): Dense[] {
  const layers: Dense[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push({
      w: lcgVariable([sizes[i], sizes[i + 1]], seed + 2 * i, glorot(sizes[i], sizes[i + 1]), `${prefix}_w${i}`),
      b: lcgVariable([sizes[i + 1]], seed + 2 * i + 1, 0.01, `${prefix}_b${i}`),
    });
  }
  return layers;
}

/** Dense stack: `hidden` activation between layers, none after the last. */
export function denseForward(x: tf.Tensor, layers: Dense[], hidden: (t: tf.Tensor) => tf.Tensor = tf.relu): tf.Tensor {
  let h = x;
  layers.forEach((l, i) => {
    h = tf.add(tf.matMul(h, l.w), l.b);
    if (i < layers.length - 1) h = hidden(h);
  });
  return h;
}

export function denseVars(layers: Dense[]): tf.Variable[] {
  return layers.flatMap((l) => [l.w, l.b]);
}

export function disposeAll(vars: tf.Variable[]): void {
  for (const v of vars) v.dispose();
}
