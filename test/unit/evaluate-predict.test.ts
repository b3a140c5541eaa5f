/** trainer.validate / test / predict outside fit: metrics come back, predictions outlive the batch scope. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, LightningModule, Trainer, DataLoader } from "../../kernel";
import { useTestBackend } from "../conformance/setup";

useTestBackend();

class Doubler extends LightningModule {
  w = tf.tidy(() => tf.variable(tf.scalar(2)));
  configureOptimizers() { return tf.train.sgd(0.1); }
  trainingStep(b: { x: tf.Tensor }) { return tf.mean(tf.mul(this.w, b.x)) as tf.Scalar; }
  validationStep(b: { x: tf.Tensor }) { this.log("val_mean", tf.mean(tf.mul(this.w, b.x))); }
  testStep(b: { x: tf.Tensor }) { this.log("test_sum", tf.sum(tf.mul(this.w, b.x)), { reduceFx: "sum" }); }
  predictStep(b: { x: tf.Tensor }) { return tf.mul(this.w, b.x); }
}

const opts = { logger: false as const, enableCheckpointing: false, live: false, enableProgressBar: false };

test("validate and test return their epoch metrics; predict returns live tensors the caller owns", async () => {
  const m = new Doubler();
  const data = () => new DataLoader({ x: tf.tensor2d([1, 2, 3, 4], [4, 1]) }, { batchSize: 2 });
  const trainer = new Trainer(opts);
  const [val] = await trainer.validate(m, data());
  assert.equal(val.val_mean, 5); // mean of 2·[1,2] = 3 and 2·[3,4] = 7, equal batch sizes
  assert.equal(trainer.state.status, "finished");
  const [tst] = await trainer.test(m, data());
  assert.equal(tst.test_sum, 20);
  const before = tf.memory().numTensors;
  const preds = (await trainer.predict(m, data())) as tf.Tensor[];
  assert.equal(preds.length, 2);
  assert.deepEqual(Array.from(await preds[1].data()), [6, 8]);
  assert.equal(tf.memory().numTensors - before, 2 + 1, "the two prediction tensors (+ the loader's dataset tensor)");
  tf.dispose(preds);
});
