/** Trainer({ detectAnomaly: true }): a NaN in backward stops the fit, names where, and restores the batch's weights. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, LightningModule, Trainer, DataLoader, Callback, MisconfigurationError } from "../../kernel";
import { useTestBackend } from "../conformance/setup";

useTestBackend();

class Sqrt extends LightningModule {
  w = tf.tidy(() => tf.variable(tf.tensor1d([1, 2])));
  constructor(manual: boolean, readonly badBatch: number) {
    super();
    this.automaticOptimization = !manual;
  }
  configureOptimizers() { return tf.train.adam(0.1); }
  lossOf(x: tf.Tensor, batchIdx: number) {
    // sqrt(-1) = NaN on the bad batch.
    return tf.sum(tf.sqrt(tf.mul(tf.mul(this.w, x), batchIdx === this.badBatch ? -1 : 1))) as tf.Scalar;
  }
  trainingStep(b: { x: tf.Tensor }, batchIdx: number) {
    if (this.automaticOptimization) return this.lossOf(b.x, batchIdx);
    const opt = this.optimizers();
    this.manualBackward(() => this.lossOf(b.x, batchIdx));
    opt.step();
    opt.zeroGrad();
  }
}

for (const manual of [true, false]) {
  test(`detectAnomaly (${manual ? "manual" : "automatic"}): the error names the place, the batch and the gradient; weights are those before the batch`, async () => {
    const m = new Sqrt(manual, 2);
    let before: number[] = [];
    const trainer = new Trainer({ maxEpochs: 1, detectAnomaly: true, logger: false, enableCheckpointing: false, live: false, enableProgressBar: false });
    const loader = new DataLoader({ x: tf.ones([4, 2]) }, { batchSize: 1 });
    class Snap extends Callback {
      async onTrainBatchStart(_t: Trainer, _m: LightningModule, _b: unknown, i: number) {
        if (i === 2) before = Array.from(await m.w.data());
      }
    }
    trainer.callbacks.push(new Snap());
    const err = await trainer.fit(m, loader).then(() => null, (e) => e);
    assert.ok(err instanceof MisconfigurationError, String(err));
    assert.match(err.message, /detectAnomaly: non-finite values/);
    assert.match(err.message, manual ? /manualBackward \(called from trainingStep\)/ : /backward of trainingStep's loss/);
    assert.match(err.message, /batch 2/);
    assert.match(err.message, /the loss, the gradient of "w"/);
    assert.match(err.message, /were restored/);
    assert.deepEqual(Array.from(await m.w.data()), before, "weights restored to their values before batch 2");
    assert.ok(before.every(Number.isFinite));
    assert.equal(trainer.state.status, "interrupted");
  });
}

test("detectAnomaly on a healthy fit changes nothing and leaks nothing", async () => {
  const m = new Sqrt(true, -1);
  const t0 = tf.memory().numTensors;
  const trainer = new Trainer({ maxEpochs: 1, detectAnomaly: true, logger: false, enableCheckpointing: false, live: false, enableProgressBar: false });
  await trainer.fit(m, new DataLoader({ x: tf.ones([4, 2]) }, { batchSize: 1 }));
  assert.equal(trainer.state.status, "finished");
  // Adam's slots: 2 moments for w + 2 beta powers; the loader's dataset tensor.
  assert.equal(tf.memory().numTensors - t0, 2 + 2 + 1);
});
