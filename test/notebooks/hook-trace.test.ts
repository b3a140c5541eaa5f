/** HookTrace records the hook order of the first batches and what onTrainBatchEnd received (notebook 01's tool). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, LightningModule, Trainer, DataLoader, HookTrace, summarizeValue } from "../../kernel";

class Manual extends LightningModule {
  w = tf.variable(tf.zeros([4, 1]));
  constructor(private readonly ret: (loss: tf.Scalar) => unknown) {
    super();
    this.automaticOptimization = false;
  }
  configureOptimizers() {
    return tf.train.sgd(0.1);
  }
  trainingStep(batch: { x: tf.Tensor; y: tf.Tensor }) {
    const opt = this.optimizers();
    const loss = this.manualBackward(() => tf.losses.meanSquaredError(batch.y, tf.matMul(batch.x, this.w)) as tf.Scalar);
    opt.step();
    opt.zeroGrad();
    return this.ret(loss);
  }
}

test("HookTrace lists the hooks of the first batches and summarises outputs", async () => {
  await tf.setBackend("cpu");
  const x = tf.randomNormal([8, 4]);
  const y = tf.randomNormal([8, 1]);
  const trace = new HookTrace({ batches: 2 });
  const m = new Manual((loss) => ({ loss, acc: 0.5 }));
  const trainer = new Trainer({ maxEpochs: 1, logger: false, enableCheckpointing: false, enableProgressBar: false, callbacks: [trace] });
  await trainer.fit(m, new DataLoader({ x, y }, { batchSize: 2 }));
  assert.equal(trace.batches.length, 2);
  const hooks = trace.batches[0].hooks.map((h) => h.hook);
  assert.deepEqual(hooks, [
    "onTrainBatchStart", "trainingStep", "onBeforeBackward", "backward", "onAfterBackward",
    "onBeforeOptimizerStep", "onBeforeZeroGrad", "onTrainBatchEnd",
  ].filter((h) => hooks.includes(h)));
  assert.equal(hooks[0], "onTrainBatchStart");
  assert.ok(hooks.indexOf("trainingStep") < hooks.indexOf("onTrainBatchEnd"), hooks.join(" → "));
  assert.equal(trace.batches[0].outputs, "{loss: Tensor[] float32, acc: 0.5000}");
  assert.equal(trace.batches[1].globalStep, 2);
  assert.equal(trace.batches[1].batchesSeen, 2);
  const text = trace.table();
  assert.match(text, /batch 1 \(epoch 0\)/);
  assert.match(trace.html(), /<table/);
  assert.equal(trainer.hookObservers.length, 0, "the observer is removed at teardown");
  console.log(text);
  x.dispose();
  y.dispose();
});

test("summarizeValue", () => {
  assert.equal(summarizeValue(null), "null");
  assert.equal(summarizeValue({}), "{}");
  assert.equal(summarizeValue({ a: { b: 1 } }), "{a: {b: 1}}");
});
