// Identity on wasm (kernel/backend/wasm/identity.ts) shares the input's buffer (reference-counted, as Reshape does)
// instead of copying it. Sharing must be invisible: clones survive their source's disposal, a variable's snapshot
// keeps its value after the variable is assigned or trained, and no memory leaks.
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { test } from "node:test";
import { registerWasmTuning, unregisterWasmTuning } from "../../kernel/backend/wasm/register";

process.env.TSLAB_LIGHTNING_WASM_PTHREADS = "0";

test("a clone shares the buffer, outlives its source, and frees it with the last reference", async () => {
  registerWasmTuning();
  try {
    await tf.setBackend("wasm");
    const backend = tf.backend() as unknown as { dataIdMap: { get(d: object): { memoryOffset: number } } };
    const bytesBefore = tf.memory().numBytes;
    const x = tf.tensor1d([1, 2, 3, 4]);
    const c = tf.clone(x);
    assert.equal(backend.dataIdMap.get(c.dataId).memoryOffset, backend.dataIdMap.get(x.dataId).memoryOffset, "shared, not copied");
    x.dispose();
    assert.deepEqual(Array.from(await c.data()), [1, 2, 3, 4], "alive after the source is disposed");
    c.dispose();
    assert.equal(tf.memory().numBytes, bytesBefore, "freed with the last reference");
  } finally {
    unregisterWasmTuning();
  }
});

test("a snapshot of a variable keeps its value through assign and an optimizer step", async () => {
  registerWasmTuning();
  try {
    await tf.setBackend("wasm");
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const snapshot = tf.clone(v);
    v.assign(tf.tensor1d([7, 8, 9]));
    assert.deepEqual(Array.from(await snapshot.data()), [1, 2, 3], "assign");
    const beforeStep = tf.clone(v);
    tf.train.adam(0.1).minimize(() => v.square().sum() as tf.Scalar, false, [v]);
    assert.deepEqual(Array.from(await beforeStep.data()), [7, 8, 9], "adam step");
    assert.notDeepEqual(Array.from(await v.data()), [7, 8, 9], "the variable did train");
    tf.dispose([v, snapshot, beforeStep]);
  } finally {
    unregisterWasmTuning();
  }
});
