// UnsortedSegmentSum on tuned wasm: the embedding (gather) gradient and direct calls.
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { registerWasmTuning, unregisterWasmTuning } from "../../kernel/backend/wasm/register";
import { runOn, seeded } from "./on-backends";

before(() => registerWasmTuning());
after(() => unregisterWasmTuning());

test("embedding (gather) gradient on tuned wasm is bit-identical to cpu", async () => {
  const ids = [3, 0, 3, 7, 9, 3, 1, 0, 5, 5, 2, 8];
  const program = () => {
    const table = seeded([10, 6], 71);
    const idx = tf.tensor2d(ids, [3, 4], "int32");
    const dy = seeded([3, 4, 6], 72);
    return tf.grad((t: tf.Tensor) => tf.gather(t, idx))(table, dy);
  };
  assert.deepEqual(await runOn("wasm", program), await runOn("cpu", program));
});

test("gather gradient along axis 1 on tuned wasm is bit-identical to cpu", async () => {
  const program = () => {
    const x = seeded([4, 5, 3], 73);
    const idx = tf.tensor1d([4, 4, 0, 2], "int32");
    return tf.grad((t: tf.Tensor) => tf.gather(t, idx, 1))(x, seeded([4, 4, 3], 74));
  };
  assert.deepEqual(await runOn("wasm", program), await runOn("cpu", program));
});

test("unsortedSegmentSum: float and int32 data, out-of-range ids dropped", async () => {
  const floats = () => tf.unsortedSegmentSum(seeded([6, 2], 75), tf.tensor1d([1, 1, 0, 3, 1, 2], "int32"), 4);
  assert.deepEqual(await runOn("wasm", floats), await runOn("cpu", floats));
  assert.equal(await tf.setBackend("wasm"), true);
  const ints = tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4], "int32"), tf.tensor1d([0, 5, 1, 0], "int32"), 2);
  assert.equal(ints.dtype, "int32");
  assert.deepEqual(Array.from(await ints.data()), [5, 3]);
  ints.dispose();
});
