/** Checkpoint files: exact resume, atomic writes, corrupt/foreign files, mismatching models, ModelCheckpoint. */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  tf, seedEverything, ModelCheckpoint, loadCheckpoint, loadWeights, CheckpointError, MisconfigurationError, Trainer,
  Callback, LightningModule, StepLR,
} from "../../kernel";
import { _atomicWriteHooks } from "../../kernel/trainer/checkpoint/file-io";
import { loaders, quietTrainer, Regressor, tempDir, weightsOf } from "./helpers";

before(async () => {
  await tf.setBackend("cpu");
});

const sched = (opt: tf.Optimizer) => ({ scheduler: new StepLR(opt, { stepSize: 3, gamma: 0.5 }), interval: "step" as const });

async function zeroWeights(m: LightningModule): Promise<void> {
  for (const v of m.allVariables()) v.assign(tf.zerosLike(v));
}

test("resume is exact: 2 epochs == 1 epoch + resume + 1 epoch, from epoch-end and mid-epoch checkpoints (bit-identical)", async () => {
  const dir = await tempDir();
  seedEverything(7);
  let { train, val } = loaders(true);
  const a = new Regressor(8, 0.01, sched);
  await quietTrainer({ maxEpochs: 2, numSanityValSteps: 0 }).fit(a, train, val);
  const expected = await weightsOf(a);

  seedEverything(7);
  ({ train, val } = loaders(true));
  const b = new Regressor(8, 0.01, sched);
  const steps = new ModelCheckpoint({ dirpath: dir, filename: "{step}", everyNTrainSteps: 3, saveTopK: -1 });
  const epochs = new ModelCheckpoint({ dirpath: path.join(dir, "epochs"), saveTopK: -1, filename: "{epoch}" });
  const tb = quietTrainer({ maxEpochs: 1, numSanityValSteps: 0, callbacks: [steps, epochs] });
  await tb.fit(b, train, val);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["epochs", "step=3.ckpt"]);
  assert.deepEqual(fs.readdirSync(path.join(dir, "epochs")), ["epoch=0.ckpt"]);
  const ck = await loadCheckpoint(path.join(dir, "epochs", "epoch=0.ckpt"));
  assert.equal(ck.epoch, 0);
  assert.equal(ck.globalStep, 4);
  assert.deepEqual(ck.loops, { currentEpoch: 1, resumeBatch: 0, globalStep: 4, batchesSeen: 4, batchesThatStepped: 4 });
  assert.equal(ck.optimizerStates![0].className, "Adam");
  assert.equal(ck.optimizerStates![0].weights.length, 1 + 2 * 4, "iterations + m and v of 4 variables");
  assert.deepEqual(ck.hparams, { hidden: 8, lr: 0.01 });
  assert.deepEqual(Object.keys(ck.stateDict), ["net.0.kernel", "net.0.bias", "net.1.kernel", "net.1.bias"]);
  const mid = await loadCheckpoint(path.join(dir, "step=3.ckpt"));
  assert.deepEqual(mid.loops, { currentEpoch: 0, resumeBatch: 3, globalStep: 3, batchesSeen: 3, batchesThatStepped: 3 });

  for (const file of [path.join(dir, "epochs", "epoch=0.ckpt"), path.join(dir, "step=3.ckpt")]) {
    seedEverything(7);
    ({ train, val } = loaders(true));
    const c = new Regressor(8, 0.01, sched);
    await zeroWeights(c);
    const tc = quietTrainer({ maxEpochs: 2, numSanityValSteps: 0 });
    await tc.fit(c, train, val, { ckptPath: file });
    assert.equal(tc.globalStep, 8);
    assert.equal(tc.currentEpoch, 2);
    assert.equal(tc.ckptPath, file);
    assert.equal((tc.optimizers[0] as any).learningRate, 0.01 * 0.5 ** 2, "scheduler state restored");
    const got = await weightsOf(c);
    got.forEach((w, i) => assert.deepEqual(w, expected[i], `variable ${i} differs after resuming from ${path.basename(file)}`));
  }
});

test("writes are atomic: a failure between write and rename leaves the previous checkpoint valid", async () => {
  const dir = await tempDir();
  const file = path.join(dir, "model.ckpt");
  const { train } = loaders(false);
  const m = new Regressor();
  const t = quietTrainer({ maxEpochs: 1 });
  await t.fit(m, train);
  await t.saveCheckpoint(file);
  const before = fs.readFileSync(file);
  await quietTrainer({ maxEpochs: 1 }).fit(m, train); // new weights
  _atomicWriteHooks.beforeRename = () => {
    throw new Error("simulated crash before rename");
  };
  try {
    await assert.rejects(t.saveCheckpoint(file), /simulated crash/);
  } finally {
    _atomicWriteHooks.beforeRename = null;
  }
  assert.deepEqual(fs.readFileSync(file), before);
  assert.deepEqual(fs.readdirSync(dir), ["model.ckpt"], "no temporary file is left behind");
  await loadCheckpoint(file); // still valid
});

test("corrupt, truncated, foreign and missing files get clear errors", async () => {
  const dir = await tempDir();
  const file = path.join(dir, "ok.ckpt");
  const { train } = loaders(false);
  const m = new Regressor();
  const t = quietTrainer({ maxEpochs: 1 });
  await t.fit(m, train);
  await t.saveCheckpoint(file);
  const good = fs.readFileSync(file);
  const write = (name: string, buf: Buffer) => (fs.writeFileSync(path.join(dir, name), buf), path.join(dir, name));

  await assert.rejects(loadCheckpoint(write("trunc.ckpt", good.subarray(0, good.length - 10))), (e: Error) =>
    e instanceof CheckpointError && /trunc\.ckpt is corrupt: it should be \d+ bytes long but is \d+/.test(e.message));
  const flipped = Buffer.from(good);
  flipped[flipped.length - 3] ^= 0xff;
  await assert.rejects(loadCheckpoint(write("flip.ckpt", flipped)), /flip\.ckpt is corrupt: its checksum does not match/);
  await assert.rejects(loadCheckpoint(write("text.ckpt", Buffer.from("hello world, not a checkpoint"))),
    /text\.ckpt is not a tslab-lightning checkpoint \(its first bytes are 68 65 6c/);
  await assert.rejects(loadCheckpoint(write("torch.ckpt", Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]))), /ZIP archive — a PyTorch\/Lightning \.ckpt cannot be loaded/);
  await assert.rejects(loadCheckpoint(write("empty.ckpt", Buffer.alloc(0))), /the file is empty/);
  await assert.rejects(loadCheckpoint(path.join(dir, "nope.ckpt")), /nope\.ckpt not found/);
  // the trainer surfaces it from fit(..., { ckptPath })
  await assert.rejects(quietTrainer({ maxEpochs: 1 }).fit(new Regressor(), train, undefined, { ckptPath: path.join(dir, "flip.ckpt") }), CheckpointError);
});

test("a checkpoint from another model names the first mismatching variable and both shapes", async () => {
  const dir = await tempDir();
  const file = path.join(dir, "small.ckpt");
  const { train } = loaders(false);
  const t = quietTrainer({ maxEpochs: 1 });
  await t.fit(new Regressor(8), train);
  await t.saveCheckpoint(file);
  await assert.rejects(quietTrainer({ maxEpochs: 2 }).fit(new Regressor(16), train, undefined, { ckptPath: file }), (e: Error) => {
    assert.ok(e instanceof CheckpointError);
    assert.match(e.message, /does not match Regressor: variable "net\.0\.kernel" has shape \[4, 8\] \(float32\) in the checkpoint but \[4, 16\] \(float32\) in the module/);
    return true;
  });
  class Other extends LightningModule {
    w = tf.variable(tf.zeros([4, 8]));
  }
  await assert.rejects(loadWeights(new Other(), file), /variable "w" \[4, 8\] is missing from the checkpoint, which has 4 variable\(s\): net\.0\.kernel/);
  // weights-only load into a fresh instance
  const fresh = new Regressor(8);
  await loadWeights(fresh, file);
  const saved = await loadCheckpoint(file);
  assert.deepEqual(Array.from(await fresh.net.getWeights()[0].data()), Array.from(saved.stateDict["net.0.kernel"].data));
});

test("ModelCheckpoint: top-k by monitor with a metric template, saveLast, callback state in the checkpoint", async () => {
  const dir = await tempDir();
  const { train, val } = loaders(false);
  const mc = new ModelCheckpoint({ dirpath: dir, monitor: "val_loss", saveTopK: 2, filename: "{epoch}-{val_loss:.2f}", saveLast: true });
  const saved: string[] = [];
  class Spy extends Callback {
    onSaveCheckpoint(_t: Trainer, _m: LightningModule, ckpt: Record<string, unknown>) {
      saved.push(String(ckpt.globalStep));
      ckpt.note = "extra";
    }
  }
  const t = quietTrainer({ maxEpochs: 4, numSanityValSteps: 0, callbacks: [mc, new Spy()] });
  await t.fit(new Regressor(8, 0.05), train, val);
  const files = fs.readdirSync(dir).sort();
  assert.equal(files.length, 3, files.join(", "));
  assert.ok(files.includes("last.ckpt"));
  for (const f of files.filter((f) => f !== "last.ckpt")) assert.match(f, /^epoch=\d-val_loss=\d+\.\d\d\.ckpt$/);
  const scores = Object.values(mc.bestKModels);
  assert.equal(scores.length, 2);
  assert.equal(mc.bestModelScore, Math.min(...scores));
  assert.equal(path.dirname(mc.bestModelPath), dir);
  assert.ok(saved.length >= 4, "onSaveCheckpoint ran for each save");
  const last = await loadCheckpoint(path.join(dir, "last.ckpt"));
  assert.equal(last.note, "extra");
  assert.equal(last.globalStep, 16);
  const state = (last.callbacks as any)[mc.stateKey];
  assert.equal(state.monitor, "val_loss");
  assert.equal(t.checkpointCallback, mc);
});

test("ModelCheckpoint on a key that was never logged: the error lists the keys that exist", async () => {
  const dir = await tempDir();
  const { train, val } = loaders(false);
  const t = quietTrainer({ maxEpochs: 2, numSanityValSteps: 0, callbacks: [new ModelCheckpoint({ dirpath: dir, monitor: "val_acc" })] });
  await assert.rejects(t.fit(new Regressor(), train, val), (e: Error) => {
    assert.ok(e instanceof MisconfigurationError);
    assert.match(e.message, /`ModelCheckpoint\(monitor="val_acc"\)` could not find the monitored key in the returned metrics: \[.*"val_loss".*"epoch","step"\]/);
    assert.match(e.message, /HINT: Did you call `log\("val_acc", value\)`/);
    return true;
  });
});

test("the default ModelCheckpoint saves under <logDir>/checkpoints and keeps only the latest", async () => {
  const root = await tempDir();
  const { train } = loaders(false);
  const t = new Trainer({ live: false, enableProgressBar: false, defaultRootDir: root, maxEpochs: 2, logEveryNSteps: 1 });
  await t.fit(new Regressor(), train);
  const ckdir = path.join(root, "lightning_logs", "version_0", "checkpoints");
  assert.deepEqual(fs.readdirSync(ckdir), ["epoch=1-step=8.ckpt"]);
  assert.equal(t.checkpointCallback!.bestModelPath, path.join(ckdir, "epoch=1-step=8.ckpt"));
  assert.throws(() => new Trainer({ live: false, enableCheckpointing: false, callbacks: [new ModelCheckpoint()] }), /enableCheckpointing: false/);
});

test("resume is exact for a module that draws noise while training: the seeded random stream is checkpointed", async () => {
  const dir = await tempDir();
  class Noisy extends Regressor {
    trainingStep(b: { x: tf.Tensor; y: tf.Tensor }): unknown {
      // Input noise, like a GAN's latent batch: drawn from the seeded stream every step.
      return this.lossOf({ x: tf.add(b.x, tf.randomNormal(b.x.shape, 0, 0.1)), y: b.y });
    }
  }
  seedEverything(11);
  let { train, val } = loaders(true);
  const a = new Noisy();
  await quietTrainer({ maxEpochs: 2, numSanityValSteps: 0 }).fit(a, train, val);
  const expected = await weightsOf(a);

  seedEverything(11);
  ({ train, val } = loaders(true));
  const b = new Noisy();
  const ckpt = new ModelCheckpoint({ dirpath: dir, filename: "mid", everyNTrainSteps: 3, saveTopK: 1 });
  await quietTrainer({ maxEpochs: 1, numSanityValSteps: 0, callbacks: [ckpt] }).fit(b, train, val);
  await quietTrainer({ maxEpochs: 1, numSanityValSteps: 0 }).fit(new Noisy(), train, val); // consumes the stream differently

  ({ train, val } = loaders(true));
  const c = new Noisy();
  await quietTrainer({ maxEpochs: 2, numSanityValSteps: 0 }).fit(c, train, val, { ckptPath: path.join(dir, "mid.ckpt") });
  const got = await weightsOf(c);
  got.forEach((w, i) => assert.deepEqual(w, expected[i], `variable ${i} differs after resuming a noisy module`));
});
