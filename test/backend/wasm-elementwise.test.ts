// The SIMD elementwise kernels of a leaky ReLU and its gradient (kernel/backend/wasm/elementwise/): LeakyRelu,
// Greater against one value, Select. Each must equal the shipped wasm kernel bit for bit — every size from 0 to 9
// (the four-lane body and the scalar tail), NaN, ±0, ±Infinity — and shapes they do not take must still match cpu.
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { test } from "node:test";
import { registerWasmTuning, unregisterWasmTuning } from "../../kernel/backend/wasm/register";
import { greaterScalarModuleBytes } from "../../kernel/backend/wasm/elementwise/greater";
import { leakyReluModuleBytes } from "../../kernel/backend/wasm/elementwise/leaky-relu";
import { selectModuleBytes } from "../../kernel/backend/wasm/elementwise/select";
import { runOn, seededValues } from "./on-backends";

process.env.TSLAB_LIGHTNING_WASM_PTHREADS = "0";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const WA = (globalThis as any).WebAssembly;
const SPECIAL = [NaN, 0, -0, Infinity, -Infinity, 1e-40, -1e-40, 3.4e38];

/** n values: the special ones first, then pseudo-random ones around 0. */
function values(n: number, seed: number): Float32Array {
  const out = seededValues(n, seed).map((v) => v * 4);
  out.set(SPECIAL.slice(0, n));
  return out;
}

async function shippedAndTuned(program: () => tf.Tensor): Promise<[Float32Array, Float32Array]> {
  const [shipped] = await runOn("wasm", program);
  registerWasmTuning();
  try {
    const [tuned] = await runOn("wasm", program);
    return [shipped, tuned];
  } finally {
    unregisterWasmTuning();
  }
}

test("the three modules are valid wasm for a plain and a shared heap", () => {
  for (const bytes of [leakyReluModuleBytes, greaterScalarModuleBytes, selectModuleBytes]) {
    assert.equal(WA.validate(bytes(false)), true);
    assert.equal(WA.validate(bytes(true)), true);
  }
});

test("LeakyRelu, Greater against one value and Select equal the shipped kernels bit for bit", async () => {
  for (const n of [0, 1, 3, 4, 5, 8, 9, 64 * 512 + 3]) {
    const x = values(n, n + 1);
    const y = values(n, n + 7);
    const programs: Record<string, () => tf.Tensor> = {
      leakyRelu: () => tf.leakyRelu(tf.tensor1d(x), 0.2),
      "greater(x, 0)": () => tf.greater(tf.tensor1d(x), tf.scalar(0)).cast("float32"),
      "greater(x, -1.5) as [n, 1] vs [1, 1]": () => tf.greater(tf.tensor2d(x, [n, 1]), tf.tensor2d([-1.5], [1, 1])).cast("float32"),
      "where(x > 0, x, y)": () => tf.where(tf.greater(tf.tensor1d(x), 0), tf.tensor1d(x), tf.tensor1d(y)),
      "where on int32": () => tf.where(tf.greater(tf.tensor1d(x), 0), tf.tensor1d(x).toInt(), tf.tensor1d(y).toInt()).cast("float32"),
    };
    for (const [name, program] of Object.entries(programs)) {
      const [shipped, tuned] = await shippedAndTuned(program);
      assert.equal(tuned.length, n);
      for (let i = 0; i < n; i++) assert.ok(Object.is(tuned[i], shipped[i]), `${name}, n=${n}, [${i}] (x=${x[i]}): ${tuned[i]} vs ${shipped[i]}`);
    }
  }
});

test("shapes the SIMD kernels do not take still match cpu", async () => {
  const x = values(12, 3);
  const programs: Record<string, () => tf.Tensor> = {
    "greater(a, b) same shape": () => tf.greater(tf.tensor1d(x), tf.tensor1d(x.map((v) => -v))).cast("float32"),
    "greater(0, x)": () => tf.greater(tf.scalar(0), tf.tensor1d(x)).cast("float32"),
    "greater on int32": () => tf.greater(tf.tensor1d(x).toInt(), tf.scalar(0, "int32")).cast("float32"),
    "where with a broadcast condition": () => tf.where(tf.tensor2d([true, false, true], [3, 1], "bool"), tf.tensor2d(x, [3, 4]), tf.zeros([3, 4])),
    "leakyRelu on int32": () => tf.leakyRelu(tf.tensor1d([-3, 2, 0, 5], "int32"), 0.5),
  };
  registerWasmTuning();
  try {
    for (const [name, program] of Object.entries(programs)) {
      const [wasm] = await runOn("wasm", program);
      const [cpu] = await runOn("cpu", program);
      assert.deepEqual(Array.from(wasm), Array.from(cpu), name);
    }
  } finally {
    unregisterWasmTuning();
  }
});

test("a leaky ReLU layer's gradient matches cpu", async () => {
  const program = () => tf.grad((v: tf.Tensor) => tf.leakyRelu(tf.matMul(tf.tensor2d(values(64, 5), [8, 8]), v), 0.2).sum() as tf.Scalar)(tf.tensor2d(seededValues(64, 6), [8, 8]));
  registerWasmTuning();
  try {
    const [wasm] = await runOn("wasm", program);
    const [cpu] = await runOn("cpu", program);
    assert.ok(wasm.every((v, i) => Object.is(v, cpu[i]) || Math.abs(v - cpu[i]) <= 1e-5 * Math.max(1, Math.abs(cpu[i]))), "gradient");
  } finally {
    unregisterWasmTuning();
  }
});
