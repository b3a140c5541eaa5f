// A few DCGAN training steps (conv2dTranspose generator, conv2d discriminator, 28×28×1, Adam)
// on tuned wasm track the cpu backend: same losses and weights within float32 reordering noise.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import assert from "node:assert/strict";
import { test } from "node:test";
import { registerWasmTuning, unregisterWasmTuning } from "../../kernel/backend/wasm/register";
import { assertClose } from "./on-backends";
import { dcgan } from "./training-programs";

async function train(backend: string, steps: number): Promise<{ losses: number[]; weights: Float32Array[]; leaked: number }> {
  assert.equal(await tf.setBackend(backend), true);
  const program = dcgan({ batch: 8, z: 16, gCh: [16, 8], dCh: [8, 16] }, 1e-3);
  const losses: number[] = [];
  const start = tf.memory().numTensors;
  for (let i = 0; i < steps; i++) {
    const out = program.step();
    for (const t of out) losses.push((await t.data())[0]);
    tf.dispose(out);
  }
  const leaked = tf.memory().numTensors - start;
  const weights = await Promise.all(program.variables().map(async (v) => Float32Array.from(await v.data())));
  program.dispose();
  return { losses, weights, leaked };
}

test("DCGAN trains on tuned wasm and matches cpu", async () => {
  registerWasmTuning();
  try {
    const cpu = await train("cpu", 3);
    const wasm = await train("wasm", 3);
    assertClose(wasm.losses, cpu.losses, 1e-4, "losses");
    cpu.weights.forEach((w, i) => assertClose(wasm.weights[i], w, 1e-4, `weights[${i}]`));
    assert.equal(wasm.leaked, cpu.leaked, "same tensor count growth as cpu (Adam slots only)");
  } finally {
    unregisterWasmTuning();
  }
});

test("the same DCGAN on wasm as shipped fails for want of Conv2DBackpropFilter", async () => {
  unregisterWasmTuning();
  await assert.rejects(train("wasm", 1), /Conv2DBackpropFilter/);
});
