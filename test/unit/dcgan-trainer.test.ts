/**
 * A DCGAN (conv2dTranspose generator, conv2d discriminator) on real 28×28 MNIST digits trains through the Trainer,
 * with manual optimization and two optimizers. On wasm this needs the tuning layer's conv gradient kernels (wasm as
 * shipped lacks Conv2DBackpropFilter). Backend: TSLAB_LIGHTNING_TEST_BACKEND (default wasm, tuned).
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { tf, LightningModule, Trainer, DataLoader, seedEverything, selectBackend } from "../../kernel";
import { loadMnist } from "../../kernel/data/mnist";

const BACKEND = process.env.TSLAB_LIGHTNING_TEST_BACKEND || "wasm";
const Z = 16;

function generator() {
  return tf.sequential({ layers: [
    tf.layers.dense({ units: 7 * 7 * 16, inputShape: [Z], activation: "relu" }),
    tf.layers.reshape({ targetShape: [7, 7, 16] }),
    tf.layers.conv2dTranspose({ filters: 8, kernelSize: 4, strides: 2, padding: "same", activation: "relu" }),
    tf.layers.conv2dTranspose({ filters: 1, kernelSize: 4, strides: 2, padding: "same", activation: "tanh" }),
  ] });
}
function discriminator() {
  return tf.sequential({ layers: [
    tf.layers.conv2d({ filters: 8, kernelSize: 4, strides: 2, padding: "same", inputShape: [28, 28, 1] }),
    tf.layers.leakyReLU({ alpha: 0.2 }),
    tf.layers.conv2d({ filters: 16, kernelSize: 4, strides: 2, padding: "same" }),
    tf.layers.leakyReLU({ alpha: 0.2 }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 1 }),
  ] });
}

class DCGAN extends LightningModule {
  generator = generator();
  discriminator = discriminator();
  constructor() { super(); this.automaticOptimization = false; }
  configureOptimizers() {
    return [{ optimizer: tf.train.adam(2e-3, 0.5), params: this.generator }, { optimizer: tf.train.adam(2e-3, 0.5), params: this.discriminator }];
  }
  trainingStep(batch: { x: tf.Tensor }) {
    const [gOpt, dOpt] = this.optimizers();
    const n = batch.x.shape[0];
    const real = tf.sub(tf.mul(batch.x.reshape([n, 28, 28, 1]), 2), 1);
    const z = tf.randomNormal([n, Z]);
    const bce = (logits: tf.Tensor, label: number) => tf.losses.sigmoidCrossEntropy(tf.fill(logits.shape, label), logits) as tf.Scalar;
    const dLoss = this.toggledOptimizer(dOpt, () => this.manualBackward(() => {
      const fake = this.generator.apply(z) as tf.Tensor;
      return tf.add(bce(this.discriminator.apply(real) as tf.Tensor, 1), bce(this.discriminator.apply(fake) as tf.Tensor, 0)) as tf.Scalar;
    }));
    dOpt.step(); dOpt.zeroGrad();
    const gLoss = this.toggledOptimizer(gOpt, () => this.manualBackward(() => bce(this.discriminator.apply(this.generator.apply(z)) as tf.Tensor, 1)));
    gOpt.step(); gOpt.zeroGrad();
    return { dLoss, gLoss, samples: this.generator.apply(z.slice([0, 0], [4, Z])) as tf.Tensor };
  }
  onTrainBatchEnd(outputs: any) { this.logDict({ dLoss: outputs.dLoss, gLoss: outputs.gLoss }, { progBar: true, onEpoch: true }); }
}

before(async () => {
  await selectBackend({ prefer: BACKEND, quiet: true });
  assert.equal(tf.getBackend(), BACKEND === "wasm-untuned" ? "wasm" : BACKEND);
});

test(`a DCGAN on real MNIST trains through the Trainer on ${BACKEND}`, async () => {
  seedEverything(3);
  const digits = loadMnist({ seed: 1, limit: 64 });
  const x = tf.tensor2d(digits.images, [digits.count, 784]);
  const gan = new DCGAN();
  const d0 = Array.from(await gan.discriminator.getWeights()[0].data());
  const g0 = Array.from(await gan.generator.getWeights()[2].data());
  const before = tf.memory().numTensors;
  const trainer = new Trainer({ maxEpochs: 1, logger: false, enableCheckpointing: false, live: false, enableProgressBar: false });
  await trainer.fit(gan, new DataLoader({ x }, { batchSize: 16, shuffle: true }));
  assert.equal(trainer.state.status, "finished");
  assert.equal(trainer.globalStep, 8, "4 batches × 2 optimizers");
  for (const k of ["dLoss_epoch", "gLoss_epoch"]) assert.ok(Number.isFinite(trainer.loggedMetrics[k]), `${k} finite`);
  assert.notDeepEqual(Array.from(await gan.discriminator.getWeights()[0].data()), d0, "conv2d kernel of D was updated");
  assert.notDeepEqual(Array.from(await gan.generator.getWeights()[2].data()), g0, "conv2dTranspose kernel of G was updated");
  // Only the optimizers' slots remain (2 Adams: 2 moments for each of 6 + 6 variables, plus 2 × 2 beta powers).
  assert.equal(tf.memory().numTensors - before, 2 * (6 + 6) + 4);
  x.dispose();
});
