import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { test } from "node:test";
import { registerWasmTuning, unregisterWasmTuning } from "../../kernel/backend/wasm/register";
import { assertClose, runOn, seeded } from "./on-backends";

const cases: { name: string; a: number[]; b: number[]; tA: boolean; tB: boolean }[] = [
  { name: "plain 2d", a: [64, 784], b: [784, 256], tA: false, tB: false },
  { name: "transposeA (weight gradient)", a: [64, 784], b: [64, 256], tA: true, tB: false },
  { name: "transposeB (input gradient)", a: [64, 256], b: [784, 256], tA: false, tB: true },
  { name: "both transposed", a: [33, 17], b: [5, 33], tA: true, tB: true },
  { name: "batched a, single b", a: [3, 7, 11], b: [11, 5], tA: false, tB: false },
  { name: "batched a transposed, single b transposed", a: [2, 3, 11, 7], b: [1, 5, 11], tA: true, tB: true },
  { name: "batched both (shipped path)", a: [4, 6, 8], b: [4, 3, 8], tA: false, tB: true },
  { name: "input gradient of a wide layer (computed as (B·Aᵀ)ᵀ)", a: [64, 512], b: [784, 512], tA: false, tB: true },
  { name: "same, odd sizes and a batched a", a: [3, 21, 301], b: [517, 301], tA: false, tB: true },
];

test("tuned BatchMatMul matches cpu for every transpose/batch combination", async () => {
  registerWasmTuning();
  try {
    for (const c of cases) {
      const program = () => tf.matMul(seeded(c.a, 1), seeded(c.b, 2), c.tA, c.tB);
      const [cpu] = await runOn("cpu", program);
      const [wasm] = await runOn("wasm", program);
      assertClose(wasm, cpu, 1e-5, c.name);
    }
  } finally {
    unregisterWasmTuning();
  }
});

test("tuned transposed matMul is bit-identical to the shipped fast path on an explicit transpose", async () => {
  const a = [128, 96];
  const b = [128, 40];
  const [shipped] = await runOn("wasm", () => tf.matMul(tf.transpose(seeded(a, 3)), seeded(b, 4)));
  registerWasmTuning();
  try {
    const [tuned] = await runOn("wasm", () => tf.matMul(seeded(a, 3), seeded(b, 4), true, false));
    assert.deepEqual(tuned, shipped);
  } finally {
    unregisterWasmTuning();
  }
});

test("tuned _FusedMatMul (bias + relu, transposed operands) matches cpu", async () => {
  registerWasmTuning();
  try {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
      const program = () =>
        tf.fused.matMul({
          a: tA ? seeded([20, 12], 5) : seeded([12, 20], 5),
          b: tB ? seeded([9, 20], 6) : seeded([20, 9], 6),
          transposeA: tA,
          transposeB: tB,
          bias: seeded([9], 7),
          activation: "relu",
        });
      const [cpu] = await runOn("cpu", program);
      const [wasm] = await runOn("wasm", program);
      assertClose(wasm, cpu, 1e-5, `fused tA=${tA} tB=${tB}`);
    }
    // A broadcast (size-1) bias stays on the shipped kernel, which handles it.
    const scalarBias = () => tf.fused.matMul({ a: seeded([6, 4], 8), b: seeded([5, 4], 9), transposeB: true, bias: tf.tensor1d([0.5]) });
    assertClose((await runOn("wasm", scalarBias))[0], (await runOn("cpu", scalarBias))[0], 1e-5, "size-1 bias");
  } finally {
    unregisterWasmTuning();
  }
});

test("tuned matMul leaks no tensors and no wasm heap blocks", async () => {
  registerWasmTuning();
  try {
    await tf.setBackend("wasm");
    const a = seeded([64, 100], 1);
    const b = seeded([64, 30], 2);
    tf.tidy(() => tf.matMul(a, b, true, false)).dispose();
    const before = tf.memory().numTensors;
    const dataIds = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    for (let i = 0; i < 5; i++) tf.tidy(() => tf.matMul(a, b, true, false)).dispose();
    assert.equal(tf.memory().numTensors, before);
    assert.equal((tf.backend() as unknown as { numDataIds(): number }).numDataIds(), dataIds);
    tf.dispose([a, b]);
  } finally {
    unregisterWasmTuning();
  }
});
