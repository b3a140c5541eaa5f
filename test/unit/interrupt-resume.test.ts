/** requestStop / requestInterrupt: stop at a batch boundary, keep state, and continue exactly where it stopped. */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { tf, LightningModule, Trainer, DataLoader, Callback, seedEverything, requestInterrupt, TrainingInterrupted } from "../../kernel";

class Regressor extends LightningModule {
  net = tf.sequential({ layers: [tf.layers.dense({ units: 4, activation: "tanh", inputShape: [3] }), tf.layers.dense({ units: 1 })] });
  stopAt: number | null = null;
  seenBatches: string[] = [];
  constructor() {
    super();
    this.automaticOptimization = false;
  }
  configureOptimizers() {
    return tf.train.adam(0.05);
  }
  trainingStep(batch: { x: tf.Tensor; y: tf.Tensor }, batchIdx: number) {
    this.seenBatches.push(`${this.currentEpoch}:${batchIdx}`);
    const opt = this.optimizers();
    const loss = this.manualBackward(() => tf.losses.meanSquaredError(batch.y, this.net.apply(batch.x) as tf.Tensor) as tf.Scalar);
    opt.step();
    opt.zeroGrad();
    if (this.stopAt !== null && this.globalStep === this.stopAt) this.trainer.requestStop("test stop");
    return loss;
  }
}

function dataset() {
  seedEverything(7);
  const x = tf.randomUniform([40, 3]);
  const y = tf.sum(x, 1, true);
  return { x, y };
}

async function weights(m: Regressor): Promise<number[]> {
  const out: number[] = [];
  for (const w of m.net.getWeights()) out.push(...(await w.data()));
  return out;
}

before(async () => {
  await tf.setBackend("cpu");
});

test("requestStop mid-epoch: fit resolves interrupted, onException gets TrainingInterrupted, no end hooks; fit again continues bit-identically", async () => {
  const d = dataset();
  const opts = { maxEpochs: 3, logger: false as const, enableCheckpointing: false, live: false, enableProgressBar: false };

  seedEverything(1);
  const straight = new Regressor();
  await new Trainer(opts).fit(straight, new DataLoader(d, { batchSize: 8, shuffle: true }));

  seedEverything(1);
  const resumed = new Regressor();
  resumed.stopAt = 7; // epoch 1, batch 1 (5 batches per epoch)
  const events: string[] = [];
  class Rec extends Callback {
    onException(_t: Trainer, _m: LightningModule, e: unknown) { events.push(`exception:${(e as Error).name}`); }
    onTrainEnd() { events.push("trainEnd"); }
    onFitEnd() { events.push("fitEnd"); }
    teardown() { events.push("teardown"); }
  }
  const trainer = new Trainer({ ...opts, callbacks: [new Rec()] });
  const loader = new DataLoader(d, { batchSize: 8, shuffle: true });
  await trainer.fit(resumed, loader); // resolves (no throw)
  assert.equal(trainer.interrupted, true);
  assert.equal(trainer.state.status, "interrupted");
  assert.deepEqual(events, ["exception:TrainingInterrupted"]);
  assert.equal(trainer.globalStep, 7);
  assert.equal(trainer.currentEpoch, 1);

  resumed.stopAt = null;
  await trainer.fit(resumed, loader);
  assert.equal(trainer.state.status, "finished");
  assert.equal(trainer.globalStep, 15);
  assert.equal(trainer.currentEpoch, 3);
  // No batch was run twice or skipped.
  assert.deepEqual(resumed.seenBatches, straight.seenBatches);
  assert.deepEqual(await weights(resumed), await weights(straight));
  tf.dispose([d.x, d.y]);
});

test("requestInterrupt() (what the kernel's SIGINT handler calls) stops every running fit at the next batch boundary", async () => {
  const d = dataset();
  const m = new Regressor();
  class SlowStart extends Callback {
    async onTrainBatchStart(_t: Trainer, _m: LightningModule, _b: unknown, i: number) {
      if (i === 2) setImmediate(() => requestInterrupt("Jupyter interrupt"));
      await new Promise((r) => setImmediate(r));
    }
  }
  const errors: unknown[] = [];
  class Catch extends Callback {
    onException(_t: Trainer, _m: LightningModule, e: unknown) { errors.push(e); }
  }
  const trainer = new Trainer({ maxEpochs: 5, logger: false, enableCheckpointing: false, live: false, enableProgressBar: false, callbacks: [new SlowStart(), new Catch()] });
  await trainer.fit(m, new DataLoader(d, { batchSize: 8 }));
  assert.equal(trainer.interrupted, true);
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof TrainingInterrupted);
  assert.match((errors[0] as Error).message, /Jupyter interrupt.*stopped at step 3/);
  assert.ok(trainer.globalStep === 3, `stopped after batch 2: ${trainer.globalStep}`);
  tf.dispose([d.x, d.y]);
});
