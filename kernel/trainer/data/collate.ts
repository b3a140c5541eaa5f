/** Default collate: stacks a list of samples (tensors, numbers, typed arrays, dicts or tuples of those) into a batch. */
import * as tf from "@tensorflow/tfjs";

export function defaultCollate(samples: unknown[]): unknown {
  const first = samples[0];
  if (first instanceof tf.Tensor) return tf.stack(samples as tf.Tensor[]);
  if (typeof first === "number" || typeof first === "boolean") return tf.tensor1d(samples.map(Number));
  if (ArrayBuffer.isView(first)) {
    const rows = samples as Float32Array[];
    const width = rows[0].length;
    const flat = new Float32Array(rows.length * width);
    rows.forEach((r, i) => flat.set(r, i * width));
    return tf.tensor2d(flat, [rows.length, width]);
  }
  if (Array.isArray(first)) {
    if (typeof first[0] === "number" && !Array.isArray(first[0])) return tf.tensor(samples as number[][]);
    return first.map((_, i) => defaultCollate(samples.map((s) => (s as unknown[])[i])));
  }
  if (typeof first === "object" && first !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = defaultCollate(samples.map((s) => (s as Record<string, unknown>)[key]));
    return out;
  }
  return samples;
}
