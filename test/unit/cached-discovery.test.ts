/**
 * cachedDiscovery: the optimizers' variable lists are discovered once, not on every params() call (several per batch),
 * and discovered again when they may have changed: while empty (layers built on first call) and when tfjs's variable
 * registry changes size. Through the Trainer: an optimizer over all parameters (no `params`) uses the run's cached
 * variables and does not walk the module on every backward, zeroGrad and step.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { tf, LightningModule, Trainer, DataLoader } from "../../kernel";
import { cachedDiscovery } from "../../kernel/trainer/optim/parameters";

before(async () => {
  await tf.setBackend("cpu");
});

test("discovers once, again while empty, and again after a variable is created or disposed", () => {
  const found: tf.Variable[] = [];
  let walks = 0;
  const params = cachedDiscovery(() => {
    walks++;
    return [...found];
  });
  assert.deepEqual(params(), []);
  assert.deepEqual(params(), []);
  assert.equal(walks, 2, "an empty answer is not cached");
  const a = tf.variable(tf.zeros([2]));
  found.push(a);
  assert.deepEqual(params(), [a]);
  const first = params();
  assert.equal(params(), first, "a hit returns the same array");
  assert.equal(walks, 3);
  const b = tf.variable(tf.zeros([3])); // the registry grew: discover again
  found.push(b);
  assert.deepEqual(params(), [a, b]);
  assert.equal(walks, 4);
  found.pop();
  b.dispose(); // and shrank
  assert.deepEqual(params(), [a]);
  assert.equal(walks, 5);
  a.dispose();
});

test("a fit walks the module for its variables a fixed number of times, not per batch", async () => {
  let walks = 0;
  class Mlp extends LightningModule {
    net = tf.sequential({ layers: [tf.layers.dense({ units: 4, activation: "relu", inputShape: [3] }), tf.layers.dense({ units: 1 })] });
    configureOptimizers() {
      return tf.train.adam(0.01); // over all parameters: no `params`
    }
    allVariables() {
      walks++;
      return super.allVariables();
    }
    trainingStep(batch: { x: tf.Tensor; y: tf.Tensor }) {
      return tf.losses.meanSquaredError(batch.y, this.net.apply(batch.x) as tf.Tensor) as tf.Scalar;
    }
  }
  const run = async (batches: number) => {
    walks = 0;
    const m = new Mlp();
    const x = tf.randomNormal([batches * 4, 3]);
    const y = tf.randomNormal([batches * 4, 1]);
    const before = await Promise.all(m.parameters().map(async (v) => (await v.data()).slice()));
    walks = 0;
    const trainer = new Trainer({ maxEpochs: 1, logger: false, enableCheckpointing: false, enableProgressBar: false, live: false });
    await trainer.fit(m, new DataLoader({ x, y }, { batchSize: 4 }));
    const after = await Promise.all(m.parameters().map(async (v) => (await v.data()).slice()));
    after.forEach((a, i) => assert.ok(a.some((v, j) => v !== before[i][j]), "every parameter was trained"));
    tf.dispose([x, y]);
    for (const v of m.allVariables()) v.dispose();
    for (const o of trainer.optimizers) o.dispose();
    return walks;
  };
  const few = await run(3);
  const many = await run(30);
  // Uncached, params() would walk the module on every backward, zeroGrad and step: ≥ 3 walks per batch.
  assert.ok(many <= few + 2, `walks for 30 batches (${many}) should not grow with the batch count (3 batches: ${few})`);
  assert.ok(many < 15, `walks for 30 batches: ${many}`);
});
