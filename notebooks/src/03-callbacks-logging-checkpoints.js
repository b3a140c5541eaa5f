// Cells of 03-callbacks-logging-checkpoints.ipynb (see ../build.js).
module.exports = ({ md, ts }) => [
  md(`
# Callbacks, logging and checkpoints

A \`Callback\` is code that watches (or steers) training from outside the model. The Trainer ships several —
\`CSVLogger\` (a logger), \`ModelCheckpoint\`, \`EarlyStopping\` — and you can write your own. Everything here runs on a
small classifier of real MNIST digits.
`),
  ts(`
import { tf, ensureBackend, LightningModule, Trainer, DataLoader, Callback, seedEverything,
         CSVLogger, ModelCheckpoint, EarlyStopping, StepLR } from "tslab-lightning";
import { loadMnist, splitMnist, mnistTensors } from "tslab-lightning";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const QUICK = process.env.TSLAB_LIGHTNING_QUICK === "1"; // the tests set this to cut training short
await ensureBackend(); // picks the fastest backend available (wasm here) before the first tensor is made
seedEverything(0);
// Logs and checkpoints go to a fresh temporary folder, not next to the notebook.
const root = fs.mkdtempSync(path.join(os.tmpdir(), "tslab-lightning-nb03-"));
`),
  md(`
## Data and model

8000 digits to train on, 2000 held out for validation. The model is a one-hidden-layer MLP, in **manual** mode
(we step its learning-rate scheduler by hand at the end).
`),
  ts(`
const { train, test } = splitMnist(loadMnist({ seed: 0, limit: QUICK ? 2500 : 10000 }), QUICK ? 500 : 2000);
const trainSet = mnistTensors(train);
const valSet = mnistTensors(test);
const trainLoader = () => new DataLoader(trainSet, { batchSize: 64, shuffle: true });
const valLoader = () => new DataLoader(valSet, { batchSize: 500 });
type Batch = { x: tf.Tensor; y: tf.Tensor };

class Classifier extends LightningModule {
  net = tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [784], units: 128, activation: "relu" }),
    tf.layers.dense({ units: 10 }),
  ] });
  constructor(lr = 1e-3) {
    super();
    this.automaticOptimization = false;
    this.saveHyperparameters({ lr });
  }
  configureOptimizers() {
    const optimizer = tf.train.adam(this.hparams.lr as number);
    return { optimizer, lrScheduler: new StepLR(optimizer, { stepSize: 2, gamma: 0.5 }) };
  }
  lossAndAcc(batch: Batch) {
    const logits = this.net.apply(batch.x) as tf.Tensor;
    const loss = tf.losses.softmaxCrossEntropy(batch.y, logits) as tf.Scalar;
    const acc = logits.argMax(1).equal(batch.y.argMax(1)).toFloat().mean();
    return { loss, acc };
  }
  trainingStep(batch: Batch) {
    const opt = this.optimizers();
    const loss = this.manualBackward(() => this.lossAndAcc(batch).loss);
    opt.step();
    opt.zeroGrad();
    this.log("train_loss", loss, { progBar: true });
    return { loss };
  }
  validationStep(batch: Batch) {
    const { loss, acc } = this.lossAndAcc(batch);
    this.log("val_loss", loss, { progBar: true });
    this.log("val_acc", acc, { logger: false }); // for callbacks only, not the CSV
  }
  onTrainEpochEnd() {
    // Manual mode: schedulers are yours to step too.
    const scheduler = this.lrSchedulers()!;
    scheduler.step();
  }
}
`),
  md(`
## 1. A callback that reads \`outputs\`

Every hook of a callback gets \`(trainer, module, ...)\`. \`onTrainBatchEnd\` also gets the batch's \`outputs\` — here
\`{loss}\`, a tensor still on the device. Reading it there (\`dataSync\`) would stall every batch; the Trainer instead
reads all scalars of a batch once, after the batch-end hooks, and hands the numbers to \`onBatchScalars\`.
`),
  ts(`
class LossWatcher extends Callback {
  keys = new Set<string>();
  worst = { loss: -Infinity, step: -1 };
  onTrainBatchEnd(_t: Trainer, _m: LightningModule, outputs: Record<string, unknown> | null) {
    for (const k of Object.keys(outputs ?? {})) this.keys.add(k); // the tensors themselves: don't read them here
  }
  onBatchScalars(_t: Trainer, _m: LightningModule, s: { outputs: Record<string, number>; globalStep: number }) {
    if (s.outputs.loss > this.worst.loss) this.worst = { loss: s.outputs.loss, step: s.globalStep };
  }
}
`),
  md(`
## 2. Train with a CSV logger, a checkpoint callback and early stopping

* \`CSVLogger\` writes every logged metric to \`metrics.csv\` (and the hyper-parameters to \`hparams.yaml\`);
* \`ModelCheckpoint\` keeps the best model by \`val_loss\`, plus \`last.ckpt\`;
* \`EarlyStopping\` stops when \`val_loss\` has not improved for \`patience\` validations.
`),
  ts(`
const logger = new CSVLogger({ saveDir: root, name: "mnist" });
const checkpoint = new ModelCheckpoint({ monitor: "val_loss", mode: "min", saveLast: true, filename: "{epoch}-{val_loss:.3f}" });
const early = new EarlyStopping({ monitor: "val_loss", patience: 2, minDelta: 0.005 });
const watcher = new LossWatcher();
const model = new Classifier();
const trainer = new Trainer({
  maxEpochs: QUICK ? 2 : 12,
  logger,
  callbacks: [watcher, checkpoint, early],
  logEveryNSteps: 10,
  live: { name: "MNIST classifier" },
});
await trainer.fit(model, trainLoader(), valLoader());
console.log(\`stopped after epoch \${trainer.currentEpoch}; early stopping fired: \${trainer.shouldStop}\`);
console.log("outputs keys seen by the callback:", [...watcher.keys], "worst batch loss:", watcher.worst);
`),
  md(`
## 3. The three metric dicts

* \`callbackMetrics\`: everything logged — what callbacks such as \`EarlyStopping\` and \`ModelCheckpoint\` monitor;
* \`loggedMetrics\`: what went to the loggers — not \`val_acc\`, logged with \`logger: false\`;
* \`progressBarMetrics\`: only what was logged with \`progBar: true\`.
`),
  ts(`
const round = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, +v.toFixed(4)]));
console.log("callbackMetrics   ", round(trainer.callbackMetrics));
console.log("loggedMetrics     ", round(trainer.loggedMetrics));
console.log("progressBarMetrics", round(trainer.progressBarMetrics));
`),
  md(`
## 4. The CSV log on disk
`),
  ts(`
console.log(logger.logDir);
console.log(fs.readdirSync(logger.logDir));
const lines = fs.readFileSync(path.join(logger.logDir, "metrics.csv"), "utf8").trim().split("\\n");
console.log([...lines.slice(0, 4), "…", ...lines.slice(-2)].join("\\n"));
`),
  md(`
## 5. Checkpoints, and resuming from one

\`ModelCheckpoint\` knows the best file. \`fit(module, ..., { ckptPath })\` restores the weights, the optimizer and
scheduler state, the epoch and the step counter, and training continues where it was.
`),
  ts(`
console.log("best:", path.basename(checkpoint.bestModelPath), "score", checkpoint.bestModelScore);
console.log(fs.readdirSync(checkpoint.dirpath!));

const resumed = new Classifier();
const trainer2 = new Trainer({
  maxEpochs: trainer.currentEpoch + 1,
  logger: false,
  enableCheckpointing: false,
  enableModelSummary: false,
  live: false,
});
await trainer2.fit(resumed, trainLoader(), valLoader(), { ckptPath: checkpoint.lastModelPath });
console.log(\`resumed at epoch \${trainer.currentEpoch}, now epoch \${trainer2.currentEpoch}, globalStep \${trainer2.globalStep} (was \${trainer.globalStep})\`);
`),
  md(`
## 6. The learning rate, stepped by hand

\`Classifier.onTrainEpochEnd\` called \`scheduler.step()\` once per epoch: \`StepLR(stepSize 2, gamma 0.5)\` halves the
learning rate every 2 epochs. In automatic mode the Trainer would do this for you; in manual mode it is your call.
`),
  ts(`
const sched = resumed.trainer.lrSchedulerConfigs[0].scheduler;
console.log(\`after \${trainer2.currentEpoch} epochs: lr = \${sched.getLastLr()[0]} (started at \${resumed.hparams.lr})\`);
`),
];
