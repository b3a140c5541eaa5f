// Cells of 01-manual-optimization.ipynb (see ../build.js).
module.exports = ({ md, ts }) => [
  md(`
# Manual optimization

In *automatic* optimization the Trainer computes gradients from the loss \`trainingStep\` returns and steps the optimizer
for you. In *manual* optimization **you** do it: that is how GANs, RL and anything with several optimizers are written.

This notebook shows each rule by running it. Each cell is TypeScript on the \`tslab-lightning\` kernel.
`),
  ts(`
import { tf, ensureBackend, LightningModule, Trainer, DataLoader, HookTrace, seedEverything } from "tslab-lightning";
import * as tslab from "tslab";

const QUICK = process.env.TSLAB_LIGHTNING_QUICK === "1"; // the tests set this to cut training short
await ensureBackend(); // picks the fastest backend available (wasm here) before the first tensor is made
seedEverything(0);
// These demos train tiny models: no CSV logs, no checkpoints, and no live chart unless a cell asks for one.
const quiet = { logger: false, enableCheckpointing: false, enableModelSummary: false, live: false } as const;
`),
  md(`
## A toy problem

Linear regression: 256 points, \`y = x·w* + noise\`. Eight batches of 32 per epoch.
`),
  ts(`
const xs = tf.randomNormal([256, 8]);
const ys = tf.add(tf.matMul(xs, tf.randomNormal([8, 1])), tf.randomNormal([256, 1], 0, 0.1));
const data = () => new DataLoader({ x: xs, y: ys }, { batchSize: 32 });
type Batch = { x: tf.Tensor; y: tf.Tensor };
`),
  md(`
## 1. The smallest manual loop

* \`this.automaticOptimization = false\` in the constructor turns automatic optimization off.
* \`this.optimizers()\` returns the optimizer(s) from \`configureOptimizers\`, wrapped.
* \`this.manualBackward(() => loss)\` computes the gradients and **adds** them to the gradient buffers.
* \`opt.step()\` applies them; \`opt.zeroGrad()\` clears the buffers (as \`.grad\` in PyTorch, they accumulate until then).
`),
  ts(`
class Regression extends LightningModule {
  w = tf.variable(tf.zeros([8, 1]));
  constructor() {
    super();
    this.automaticOptimization = false;
  }
  configureOptimizers() {
    return tf.train.sgd(0.1);
  }
  lossOf(batch: Batch): tf.Scalar {
    return tf.losses.meanSquaredError(batch.y, tf.matMul(batch.x, this.w)) as tf.Scalar;
  }
  trainingStep(batch: Batch, batchIdx: number): unknown {
    const opt = this.optimizers();
    const loss = this.manualBackward(() => this.lossOf(batch));
    opt.step();
    opt.zeroGrad();
    this.log("loss", loss, { progBar: true });
    return undefined;
  }
}

const regTrainer = new Trainer({ maxEpochs: 5, ...quiet });
await regTrainer.fit(new Regression(), data());
console.log("loss after 5 epochs:", regTrainer.progressBarMetrics.loss.toFixed(4));
`),
  md(`
## 2. Why \`manualBackward\` takes a *function*

PyTorch records a graph while the loss is computed, so \`loss.backward()\` works afterwards. TF.js keeps **no graph**: a
tensor does not remember how it was made. Gradients exist only for code that runs *inside* a gradient tape — so you pass
the code, and \`manualBackward\` runs it under the tape. Passing the tensor itself is an error that says so:
`),
  ts(`
class PassesTheTensor extends Regression {
  trainingStep(batch: Batch): unknown {
    const loss = this.lossOf(batch);
    this.manualBackward(loss as any); // wrong: a tensor, not a function
    return undefined;
  }
}
try {
  await new Trainer({ maxSteps: 1, ...quiet }).fit(new PassesTheTensor(), data());
} catch (e) {
  console.log(\`\${(e as Error).name}: \${(e as Error).message}\`);
}
`),
  md(`
## 3. What \`onTrainBatchEnd\` receives

In manual mode the Trainer never backpropagates what \`trainingStep\` returns; it only hands it to the batch-end hooks as
\`outputs\`, normalised to a dict:

| \`trainingStep\` returns | \`outputs\` |
|---|---|
| nothing | \`{}\` |
| a tensor \`t\` | \`{loss: t}\` |
| a dict (with or without \`loss\`) | that dict |
| anything else | an error |

\`HookTrace\` (a callback) records the hooks of the first batches and what \`onTrainBatchEnd\` got. Let's try each case:
`),
  ts(`
class Returns extends Regression {
  constructor(readonly make: (loss: tf.Scalar) => unknown) {
    super();
  }
  trainingStep(batch: Batch): unknown {
    const opt = this.optimizers();
    const loss = this.manualBackward(() => this.lossOf(batch));
    opt.step();
    opt.zeroGrad();
    return this.make(loss);
  }
}

const cases: [string, (loss: tf.Scalar) => unknown][] = [
  ["nothing", () => undefined],
  ["a tensor", (loss) => loss],
  ["a dict without loss", (loss) => ({ mse: loss, note: "hi" })],
  ["a dict with loss", (loss) => ({ loss, lr: 0.1 })],
  ["a number", () => 3.14],
];
for (const [what, make] of cases) {
  const trace = new HookTrace({ batches: 1 });
  try {
    await new Trainer({ maxSteps: 1, callbacks: [trace], ...quiet }).fit(new Returns(make), data());
    console.log(\`\${what.padEnd(20)} → outputs = \${trace.batches[0].outputs}\`);
  } catch (e) {
    console.log(\`\${what.padEnd(20)} → \${(e as Error).name}: \${(e as Error).message}\`);
  }
}
`),
  md(`
The whole hook sequence of two batches. Note \`onBeforeBackward\`/\`onAfterBackward\` run *inside* \`manualBackward\`, and
\`onBeforeOptimizerStep\` inside \`opt.step()\`; the owner in brackets is who implements the hook.
`),
  ts(`
const trace = new HookTrace({ batches: 2 });
await new Trainer({ maxSteps: 2, callbacks: [trace], ...quiet }).fit(new Returns((loss) => ({ loss })), data());
tslab.display.html(trace.html());
`),
  md(`
## 4. Logging from \`onTrainBatchEnd\`

Return what you computed, and log it where you like. \`logDict\` logs every entry of a dict with the same options.
This cell turns the live chart on: it draws every number it finds in \`outputs\` and everything you log.
`),
  ts(`
class LogsAtBatchEnd extends Regression {
  trainingStep(batch: Batch): unknown {
    const opt = this.optimizers();
    const loss = this.manualBackward(() => this.lossOf(batch));
    opt.step();
    opt.zeroGrad();
    return { mse: loss, wNorm: tf.norm(this.w) };
  }
  onTrainBatchEnd(outputs: Record<string, tf.Tensor>): void {
    this.logDict(outputs, { progBar: true });
  }
}
const logTrainer = new Trainer({ maxEpochs: QUICK ? 3 : 10, logger: false, enableCheckpointing: false, enableModelSummary: false, live: { name: "regression" } });
await logTrainer.fit(new LogsAtBatchEnd(), data());
console.log(logTrainer.progressBarMetrics);
`),
  md(`
## 5. \`training_epoch_end\` is gone — keep what you need yourself

Lightning 2 removed \`training_epoch_end(outputs)\`: holding every batch's outputs cost memory nobody asked for. Instead,
keep what you need **on the module** and use it in \`onTrainEpochEnd\`.

One TF.js rule matters here: tensors made during a batch are **released after the batch** (that is what keeps memory
flat). A tensor you store without telling anyone is dead by the next batch:
`),
  ts(`
class Forgetful extends Regression {
  last: tf.Tensor | null = null;
  trainingStep(batch: Batch): unknown {
    super.trainingStep(batch, 0);
    this.last = tf.sum(this.w);
    return undefined;
  }
}
const forgetful = new Forgetful();
await new Trainer({ maxSteps: 1, ...quiet }).fit(forgetful, data());
console.log("stored without keep → disposed after the batch:", forgetful.last!.isDisposed);
`),
  md(`
\`this.keep(t)\` keeps a tensor across batches (released at teardown, or earlier with \`this.release(t)\`). Here the
epoch's summed loss stays on the device — no per-batch read-back — and \`onTrainEpochEnd\` logs its mean:
`),
  ts(`
class EpochMean extends Regression {
  lossSum: tf.Tensor | null = null;
  batches = 0;
  trainingStep(batch: Batch): unknown {
    const opt = this.optimizers();
    const loss = this.manualBackward(() => this.lossOf(batch));
    opt.step();
    opt.zeroGrad();
    const previous = this.lossSum;
    this.lossSum = this.keep(previous ? tf.add(previous, loss) : loss.clone());
    if (previous) this.release(previous);
    this.batches += 1;
    return undefined;
  }
  onTrainEpochEnd(): void {
    this.log("epoch_mean_loss", tf.div(this.lossSum!, this.batches));
    this.release(this.lossSum!);
    this.lossSum = null;
    this.batches = 0;
  }
}
const meanTrainer = new Trainer({ maxEpochs: 3, ...quiet });
await meanTrainer.fit(new EpochMean(), data());
console.log("logged at epoch end:", meanTrainer.loggedMetrics);
`),
  md(`
## 6. Gradient accumulation and clipping, by hand

\`manualBackward\` **adds** to the gradient buffers, so accumulating is just "step every k batches". Divide the loss by
k to average. \`this.clipGradients(opt, ...)\` clips the buffered gradients before the step (by norm or by value).
`),
  ts(`
class Accumulates extends Regression {
  k = 4;
  trainingStep(batch: Batch, batchIdx: number): unknown {
    const opt = this.optimizers();
    const loss = this.manualBackward(() => tf.div(this.lossOf(batch), this.k) as tf.Scalar);
    if ((batchIdx + 1) % this.k === 0) {
      this.clipGradients(opt, { gradientClipVal: 1.0, gradientClipAlgorithm: "norm" });
      opt.step();
      opt.zeroGrad();
    }
    this.log("loss", loss);
    return undefined;
  }
}
const accTrainer = new Trainer({ maxEpochs: 2, ...quiet });
await accTrainer.fit(new Accumulates(), data());
console.log(\`batches: \${accTrainer.batchesSeen}, optimizer steps (globalStep): \${accTrainer.globalStep}\`);
`),
  md(`
## 7. \`globalStep\` counts optimizer steps, not batches

As in Lightning, \`trainer.globalStep\` grows with **every** \`opt.step()\`. With two optimizers stepping each batch it
grows twice as fast as \`trainer.batchesSeen\` — remember it when you set \`maxSteps\` for a GAN.
`),
  ts(`
class TwoOptimizers extends LightningModule {
  w = tf.variable(tf.zeros([8, 1]));
  b = tf.variable(tf.zeros([1]));
  constructor() {
    super();
    this.automaticOptimization = false;
  }
  configureOptimizers() {
    return [
      { optimizer: tf.train.sgd(0.1), params: [this.w] },
      { optimizer: tf.train.adam(0.01), params: [this.b] },
    ];
  }
  trainingStep(batch: Batch): unknown {
    const lossFn = () => tf.losses.meanSquaredError(batch.y, tf.add(tf.matMul(batch.x, this.w), this.b)) as tf.Scalar;
    for (const opt of this.optimizers()) {
      this.toggleOptimizer(opt); // only this optimizer's variables get gradients
      this.manualBackward(lossFn);
      opt.step();
      opt.zeroGrad();
      this.untoggleOptimizer(opt);
    }
    return undefined;
  }
}
const twoTrainer = new Trainer({ maxSteps: 10, ...quiet });
await twoTrainer.fit(new TwoOptimizers(), data());
console.log(\`maxSteps: 10 → globalStep \${twoTrainer.globalStep}, batchesSeen \${twoTrainer.batchesSeen}\`);
`),
  md(`
## Summary

* manual mode: \`optimizers()\`, \`manualBackward(() => loss)\`, \`step()\`, \`zeroGrad()\` — the loss is a *function*.
* what \`trainingStep\` returns only reaches the batch-end hooks (\`undefined\` → \`{}\`, tensor → \`{loss}\`, dict → dict).
* no \`training_epoch_end\`: keep state on the module (\`this.keep\` for tensors) and use \`onTrainEpochEnd\`.
* \`globalStep\` counts optimizer steps; \`batchesSeen\` counts batches.

Next: [02-gan-mnist](02-gan-mnist.ipynb) puts all of this to work on real digits.
`),
];
