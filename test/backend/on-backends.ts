// Test helpers: run the same tensor program on cpu and on wasm and compare the results.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import assert from "node:assert/strict";

/** Runs `program` with `backend` active and reads every output (async, batched). */
export async function runOn(backend: string, program: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  assert.equal(await tf.setBackend(backend), true, `setBackend('${backend}') failed`);
  const outs = tf.tidy(program);
  const list = Array.isArray(outs) ? outs : [outs];
  const data = await Promise.all(list.map((t) => t.data()));
  tf.dispose(list);
  return data.map((d) => Float32Array.from(d as ArrayLike<number>));
}

/** Max |a-b| relative to max |expected|: the tolerance a float32 reordering of sums can meet. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, "length mismatch");
  let maxDiff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? maxDiff : maxDiff / scale;
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label: string): void {
  for (let i = 0; i < actual.length; i++) assert.ok(Number.isFinite(actual[i]), `${label}: non-finite value at ${i}`);
  const err = relativeError(actual, expected);
  assert.ok(err <= tol, `${label}: relative error ${err.toExponential(2)} > ${tol}`);
}

/** Deterministic pseudo-random values in [-1, 1) (no dependence on tf's RNG or backend). */
export function seededValues(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

export function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(seededValues(shape.reduce((a, b) => a * b, 1), seed), shape);
}
