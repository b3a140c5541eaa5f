/**
 * The gradient buffers: `zero` frees at once; `zeroLater` (the automatic loop's default zero-grad) clears at once but
 * frees at `releaseZeroed` (the batch's end); and in a fit, the previous batch's gradients are gone from the buffers
 * when zero-grad returns, freed by the end of that batch, so the tensor count between batches stays flat.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { tf, LightningModule, Trainer, DataLoader } from "../../kernel";
import { GradientStore } from "../../kernel/trainer/optim/gradient-store";

before(async () => {
  await tf.setBackend("cpu");
});

test("zeroLater clears the buffers at once and disposes them at releaseZeroed; clear disposes both kinds", () => {
  const a = tf.variable(tf.scalar(1), true, "gs_a");
  const b = tf.variable(tf.scalar(1), true, "gs_b");
  const store = new GradientStore();
  const ga = tf.scalar(2);
  const gb = tf.scalar(3);
  store.accumulate({ gs_a: ga, gs_b: gb });
  store.zeroLater([a]);
  assert.equal(store.get(a), undefined, "a's buffer is gone from the store");
  assert.equal(store.get(b), gb);
  assert.equal(store.size, 1);
  assert.equal(ga.isDisposed, false, "its memory is still held until the batch ends");
  store.releaseZeroed();
  assert.equal(ga.isDisposed, true);
  store.zeroLater([b]);
  store.clear();
  assert.equal(gb.isDisposed, true, "clear() also frees what zeroLater held");
  store.accumulate({ gs_a: tf.scalar(5) });
  const g = store.get(a)!;
  store.zero([a]);
  assert.equal(g.isDisposed, true, "zero() frees at once");
  a.dispose();
  b.dispose();
});

test("automatic fit: zero-grad empties the buffers before backward, and no gradient outlives its batch's successor", async () => {
  class M extends LightningModule {
    w = tf.variable(tf.ones([4, 1]));
    seen: { bufferedAtZeroGrad: number; tensorsAtBatchStart: number }[] = [];
    configureOptimizers() {
      return tf.train.adam(0.01);
    }
    trainingStep(batch: { x: tf.Tensor }) {
      return tf.mean(tf.matMul(batch.x, this.w)) as tf.Scalar;
    }
    onTrainBatchStart() {
      this.seen.push({ bufferedAtZeroGrad: -1, tensorsAtBatchStart: tf.memory().numTensors });
    }
    onAfterBackward() {
      // onAfterBackward runs after zero-grad and this batch's accumulate: exactly this batch's gradient is buffered.
      this.seen[this.seen.length - 1].bufferedAtZeroGrad = (this.trainer as any)._runContext.grads.size;
    }
  }
  const m = new M();
  const trainer = new Trainer({ maxEpochs: 1, logger: false, enableProgressBar: false, enableCheckpointing: false, live: false });
  const loader = new DataLoader({ x: tf.ones([8, 4]) }, { batchSize: 1 });
  const before = tf.memory().numTensors;
  await trainer.fit(m, loader);
  assert.deepEqual(m.seen.map((s) => s.bufferedAtZeroGrad), new Array(8).fill(1));
  const counts = m.seen.slice(1).map((s) => s.tensorsAtBatchStart);
  assert.deepEqual(counts, new Array(counts.length).fill(counts[0]), "flat from the second batch on");
  assert.equal(tf.memory().numTensors - before, 2 + 2, "after fit: Adam's two slots for w and its two accumulators, no gradient");
});
