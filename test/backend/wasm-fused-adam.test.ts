// The fused Adam update of the wasm tuning layer: bit-identical to tfjs's own Adam (on wasm and on cpu), same
// optimizer state (slot names, getWeights/setWeights, iterations), learning-rate changes honoured, variables without a
// gradient untouched, and the original method back after unregistering.
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { test } from "node:test";
import { registerWasmTuning, unregisterWasmTuning } from "../../kernel/backend/wasm/register";
import { adamModuleBytes } from "../../kernel/backend/wasm/adam/adam-simd";
import { isFusedAdamInstalled } from "../../kernel/backend/wasm/adam/fused-adam-optimizer";
import { seededValues } from "./on-backends";

interface Run {
  weights: Float32Array[];
  slots: { name: string; values: Float32Array }[];
  iterations: number;
}

/**
 * Adam steps on two variables (sizes n and 7): step 3 gives the second variable no gradient, step 4 lowers the
 * learning rate, as a scheduler would.
 */
async function train(backend: string, n: number, steps = 5): Promise<Run> {
  assert.equal(await tf.setBackend(backend), true);
  const a = tf.variable(tf.tensor1d(seededValues(n, 1)));
  const b = tf.variable(tf.tensor2d(seededValues(7, 2), [7, 1]));
  const opt = tf.train.adam(0.01, 0.9, 0.999, 1e-7);
  for (let s = 0; s < steps; s++) {
    if (s === 4) (opt as unknown as { learningRate: number }).learningRate = 0.003;
    tf.tidy(() => {
      const ga = tf.tensor1d(seededValues(n, 10 + s));
      const gb = s === 3 ? null : tf.tensor2d(seededValues(7, 20 + s), [7, 1]);
      opt.applyGradients([{ name: a.name, tensor: ga }, { name: b.name, tensor: gb as unknown as tf.Tensor }]);
    });
  }
  const saved = await opt.getWeights();
  const run: Run = {
    weights: [Float32Array.from(await a.data()), Float32Array.from(await b.data())],
    slots: await Promise.all(saved.slice(1).map(async (w) => ({ name: w.name.replace(/^\d+/, "#"), values: Float32Array.from(await w.tensor.data()) }))),
    iterations: (await saved[0].tensor.data())[0],
  };
  tf.dispose([a, b]);
  opt.dispose();
  return run;
}

function assertSameRun(actual: Run, expected: Run, label: string): void {
  assert.equal(actual.iterations, expected.iterations, `${label}: iterations`);
  actual.weights.forEach((w, i) => assert.deepEqual(w, expected.weights[i], `${label}: variable ${i}`));
  assert.deepEqual(actual.slots.map((s) => s.name), expected.slots.map((s) => s.name), `${label}: slot names`);
  actual.slots.forEach((s, i) => assert.deepEqual(s.values, expected.slots[i].values, `${label}: slot ${s.name}`));
}

test("the hand-encoded SIMD module is valid WebAssembly", () => {
  assert.equal((globalThis as any).WebAssembly.validate(adamModuleBytes()), true);
});

test("fused Adam on wasm is bit-identical to tfjs's Adam on wasm and on cpu (SIMD body and scalar tail)", async () => {
  for (const n of [1, 3, 4, 7, 1001, 64 * 784 + 2]) {
    unregisterWasmTuning();
    const shippedWasm = await train("wasm", n);
    const cpu = await train("cpu", n);
    registerWasmTuning();
    try {
      assert.equal(isFusedAdamInstalled(), true);
      const fused = await train("wasm", n);
      assertSameRun(fused, shippedWasm, `n=${n} vs tfjs on wasm`);
      assertSameRun(fused, cpu, `n=${n} vs tfjs on cpu`);
    } finally {
      unregisterWasmTuning();
    }
  }
});

test("state moves between the fused and the original update: setWeights, then training continues identically", async () => {
  await tf.setBackend("wasm");
  const start = seededValues(33, 5);
  const continueFrom = async (fused: boolean) => {
    registerWasmTuning();
    const w = tf.variable(tf.tensor1d(start));
    const opt = tf.train.adam(0.05);
    for (let s = 0; s < 3; s++) tf.tidy(() => opt.applyGradients([{ name: w.name, tensor: tf.tensor1d(seededValues(33, 40 + s)) }]));
    const state = await opt.getWeights();
    if (!fused) unregisterWasmTuning();
    const opt2 = tf.train.adam(0.05);
    await opt2.setWeights(state);
    for (let s = 3; s < 6; s++) tf.tidy(() => opt2.applyGradients([{ name: w.name, tensor: tf.tensor1d(seededValues(33, 40 + s)) }]));
    const out = Float32Array.from(await w.data());
    tf.dispose([w]);
    opt.dispose();
    opt2.dispose();
    unregisterWasmTuning();
    return out;
  };
  assert.deepEqual(await continueFrom(true), await continueFrom(false));
  assert.equal(isFusedAdamInstalled(), false, "unregistering restores tfjs's method");
});

test("no tensors are left behind by the fused update beyond the optimizer's slots", async () => {
  registerWasmTuning();
  try {
    await tf.setBackend("wasm");
    const w = tf.variable(tf.zeros([100]));
    const opt = tf.train.adam(0.01);
    tf.tidy(() => opt.applyGradients([{ name: w.name, tensor: tf.ones([100]) }]));
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) tf.tidy(() => opt.applyGradients([{ name: w.name, tensor: tf.ones([100]) }]));
    assert.equal(tf.memory().numTensors, after1);
    opt.dispose();
    w.dispose();
  } finally {
    unregisterWasmTuning();
  }
});
