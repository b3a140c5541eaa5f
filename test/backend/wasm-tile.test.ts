// Tuned Tile (kernel/backend/wasm/tile.ts): block copies instead of the shipped per-element loop. Bit-identical to
// cpu for every rank and repetition pattern, int32 included; other dtypes keep the shipped kernel.
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { test } from "node:test";
import { registerWasmTuning, unregisterWasmTuning } from "../../kernel/backend/wasm/register";
import { runOn, seeded } from "./on-backends";

process.env.TSLAB_LIGHTNING_WASM_PTHREADS = "0";

const cases: { shape: number[]; reps: number[] }[] = [
  { shape: [1, 1, 1, 512], reps: [1, 1, 128, 1] }, // batch norm's gradient
  { shape: [3, 4], reps: [2, 3] },
  { shape: [2, 3, 4], reps: [1, 1, 1] },
  { shape: [5], reps: [7] },
  { shape: [2, 1, 3], reps: [3, 4, 2] },
  { shape: [1, 6], reps: [1000, 1] },
  { shape: [0, 3], reps: [2, 1] },
];

test("Tile equals cpu bit for bit (float32 and int32, ranks 1–4)", async () => {
  registerWasmTuning();
  try {
    for (const c of cases) {
      for (const dtype of ["float32", "int32"] as const) {
        const program = () => {
          const x = seeded(c.shape, 3).mul(100);
          return tf.tile(dtype === "int32" ? x.cast("int32") : x, c.reps);
        };
        const [cpu] = await runOn("cpu", program);
        const [wasm] = await runOn("wasm", program);
        assert.deepEqual(wasm, cpu, `${dtype} ${JSON.stringify(c)}`);
      }
    }
    // bool keeps the shipped kernel (1 byte per element on the heap)
    const program = () => tf.tile(tf.tensor([true, false, true], [3], "bool"), [2]).cast("float32");
    assert.deepEqual((await runOn("wasm", program))[0], (await runOn("cpu", program))[0]);
  } finally {
    unregisterWasmTuning();
  }
});

test("the batch-norm gradient that tiles per-channel values matches cpu", async () => {
  registerWasmTuning();
  try {
    let tiles = 0;
    const engine = tf.engine() as unknown as { runKernel(name: string, ...rest: unknown[]): unknown };
    const runKernel = engine.runKernel.bind(engine);
    engine.runKernel = (name: string, ...rest: unknown[]) => {
      if (name === "Tile") tiles++;
      return runKernel(name, ...rest);
    };
    const program = () => {
      const x = seeded([32, 64], 5);
      const mean = tf.mean(x, 0);
      const variance = tf.moments(x, 0).variance;
      // d/dx tiles 1/sqrt(variance) (rank-1 statistics) over the batch: tfjs's FusedBatchNorm gradient.
      const f = (xx: tf.Tensor) => tf.batchNorm(xx, mean, variance, seeded([64], 7), seeded([64], 6)).square().sum() as tf.Scalar;
      return tf.grad(f)(x);
    };
    const [cpu] = await runOn("cpu", program);
    const [wasm] = await runOn("wasm", program);
    let maxRel = 0;
    for (let i = 0; i < cpu.length; i++) maxRel = Math.max(maxRel, Math.abs(wasm[i] - cpu[i]) / (Math.abs(cpu[i]) + 1e-3));
    assert.ok(maxRel < 1e-4, `relative error ${maxRel}`);
    engine.runKernel = runKernel;
    assert.ok(tiles >= 2, `the gradient tiled (${tiles} Tile calls on cpu + wasm)`);
  } finally {
    unregisterWasmTuning();
  }
});
