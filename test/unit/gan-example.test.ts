/** The README's GAN example runs as written (issue 2's "Example that must run as written"). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, LightningModule, Trainer, DataLoader, Callback, seedEverything } from "../../kernel";
import { useTestBackend } from "../conformance/setup";

useTestBackend();

function makeGenerator() {
  return tf.sequential({ layers: [tf.layers.dense({ units: 32, activation: "relu", inputShape: [8] }), tf.layers.dense({ units: 16, activation: "tanh" })] });
}
function makeDiscriminator() {
  return tf.sequential({ layers: [tf.layers.dense({ units: 32, activation: "relu", inputShape: [16] }), tf.layers.dense({ units: 1 })] });
}
function discriminatorLoss(m: GAN, x: tf.Tensor) {
  const z = tf.randomNormal([x.shape[0], 8]);
  const real = m.discriminator.apply(x) as tf.Tensor;
  const fake = m.discriminator.apply(m.generator.apply(z)) as tf.Tensor;
  return tf.add(tf.losses.sigmoidCrossEntropy(tf.onesLike(real), real), tf.losses.sigmoidCrossEntropy(tf.zerosLike(fake), fake)) as tf.Scalar;
}
function generatorLoss(m: GAN, n: number) {
  const fake = m.discriminator.apply(m.generator.apply(tf.randomNormal([n, 8]))) as tf.Tensor;
  return tf.losses.sigmoidCrossEntropy(tf.onesLike(fake), fake) as tf.Scalar;
}

class GAN extends LightningModule {
  generator = makeGenerator(); discriminator = makeDiscriminator();
  constructor() { super(); this.automaticOptimization = false; }
  configureOptimizers() {
    return [{ optimizer: tf.train.adam(2e-4, 0.5), params: this.generator },
            { optimizer: tf.train.adam(2e-4, 0.5), params: this.discriminator }];
  }
  trainingStep(batch: { x: tf.Tensor }, batchIdx: number) {
    const [gOpt, dOpt] = this.optimizers();
    this.toggleOptimizer(dOpt);
    const dLoss = this.manualBackward(() => discriminatorLoss(this, batch.x));
    dOpt.step(); dOpt.zeroGrad(); this.untoggleOptimizer(dOpt);
    this.toggleOptimizer(gOpt);
    const gLoss = this.manualBackward(() => generatorLoss(this, batch.x.shape[0]));
    gOpt.step(); gOpt.zeroGrad(); this.untoggleOptimizer(gOpt);
    return { batchMetrics: { dLoss, gLoss } };
  }
  onTrainBatchEnd(outputs: any) { this.logDict(outputs.batchMetrics, { progBar: true }); }
}

test("the README GAN trains with two optimizers, logs both losses and leaks no tensors", async () => {
  seedEverything(1);
  const gan = new GAN();
  const x = tf.randomUniform([64, 16], -1, 1);
  const seen: Record<string, number>[] = [];
  class Spy extends Callback {
    onBatchScalars(_t: Trainer, _m: LightningModule, s: any) { seen.push(s.outputs); }
  }
  const trainer = new Trainer({ maxEpochs: 2, logger: false, enableCheckpointing: false, live: false, callbacks: [new Spy()] });
  const g0 = await gan.generator.getWeights()[0].data();
  await trainer.fit(gan, new DataLoader({ x }, { batchSize: 16 }));
  const before = tf.memory().numTensors;
  assert.equal(trainer.state.status, "finished");
  assert.equal(trainer.globalStep, 16, "2 optimizers x 4 batches x 2 epochs");
  assert.equal(trainer.batchesSeen, 8);
  assert.deepEqual(Object.keys(trainer.progressBarMetrics).sort(), ["dLoss", "gLoss"]);
  assert.ok(Number.isFinite(trainer.progressBarMetrics.dLoss));
  assert.equal(seen.length, 8);
  assert.deepEqual(Object.keys(seen[0]).sort(), ["batchMetrics/dLoss", "batchMetrics/gLoss"]);
  const g1 = await gan.generator.getWeights()[0].data();
  assert.notDeepEqual(Array.from(g0), Array.from(g1));
  // A second fit on the same trainer continues (maxEpochs reached → no more steps) and leaks nothing.
  await trainer.fit(gan, new DataLoader({ x }, { batchSize: 16 }));
  assert.equal(trainer.globalStep, 16);
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
});
