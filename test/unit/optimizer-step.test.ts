/**
 * `LightningOptimizer.step()` applies the buffered gradients only (PyTorch's `.grad` with `set_to_none`): a variable
 * without a buffered gradient is not moved, even by an optimizer with momentum, and a step with no buffered gradient
 * at all applies nothing (the optimizer's iteration count stays).
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { tf, LightningModule, Trainer, DataLoader } from "../../kernel";

before(async () => {
  await tf.setBackend("cpu");
});

class TwoVars extends LightningModule {
  a = tf.variable(tf.scalar(1));
  b = tf.variable(tf.scalar(1));
  afterStep: { a: number; b: number; iterations: number }[] = [];
  constructor() {
    super();
    this.automaticOptimization = false;
  }
  configureOptimizers() {
    return tf.train.adam(0.1);
  }
  async trainingStep(_batch: unknown, batchIdx: number) {
    const opt = this.optimizers();
    if (batchIdx === 0) this.manualBackward(() => tf.add(tf.square(this.a), tf.square(this.b)) as tf.Scalar);
    if (batchIdx === 1) this.manualBackward(() => tf.square(this.a) as tf.Scalar); // b gets no gradient
    // batch 2: no backward at all
    opt.step();
    opt.zeroGrad();
    const [a, b] = await Promise.all([this.a.data(), this.b.data()]);
    this.afterStep.push({ a: a[0], b: b[0], iterations: (opt.optimizer as unknown as { iterations: number }).iterations });
  }
}

test("step() moves only the variables with a buffered gradient, and applies nothing when none has one", async () => {
  const m = new TwoVars();
  const trainer = new Trainer({ maxEpochs: 1, logger: false, enableProgressBar: false, enableCheckpointing: false, live: false });
  await trainer.fit(m, new DataLoader({ x: tf.zeros([3, 1]) }, { batchSize: 1 }));
  const [first, second, third] = m.afterStep;
  assert.ok(first.a < 1 && first.b < 1, "both variables move on the first step");
  assert.equal(first.iterations, 1);
  assert.ok(second.a < first.a, "a has a gradient on the second step");
  assert.equal(second.b, first.b, "b has no buffered gradient: Adam's momentum must not move it");
  assert.equal(second.iterations, 2);
  assert.deepEqual(third, second, "no buffered gradient at all: nothing is applied, the iteration count stays");
  assert.equal(trainer.globalStep, 3, "every wrapped step() inside trainingStep counts, applied or not");
});
