/** EarlyStopping: patience/minDelta, thresholds, non-finite values, missing keys, state in checkpoints. */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { tf, EarlyStopping, LightningModule, MisconfigurationError, type Trainer } from "../../kernel";
import { loaders, quietTrainer } from "./helpers";

before(async () => {
  await tf.setBackend("cpu");
});

/** Logs `score` = values[epoch] at each train epoch end. */
class Scripted extends LightningModule {
  w = tf.variable(tf.scalar(1));
  constructor(readonly values: number[]) {
    super();
  }
  trainingStep(b: any) {
    return tf.mean(tf.square(tf.mul(this.w, b.x)));
  }
  onTrainEpochEnd() {
    this.log("score", this.values[this.currentEpoch]);
  }
  configureOptimizers(): any {
    return tf.train.sgd(0.001);
  }
}

async function run(values: number[], es: EarlyStopping, maxEpochs = values.length): Promise<Trainer> {
  const { train } = loaders(false);
  const t = quietTrainer({ maxEpochs, callbacks: [es], enableCheckpointing: false });
  await t.fit(new Scripted(values), train);
  return t;
}

test("stops after `patience` checks without an improvement of more than minDelta", async () => {
  const es = new EarlyStopping({ monitor: "score", patience: 2, minDelta: 0.5 });
  // 5 best; 4 improves by 1 ≥ 0.5; 4.5 wait 1; 3.8 improves by only 0.2 → wait 2 → stop at epoch 3
  const t = await run([5, 4, 4.5, 3.8, 1, 1], es);
  assert.equal(t.currentEpoch, 4);
  assert.equal(es.stoppedEpoch, 3);
  assert.equal(es.bestScore, 4);
  assert.equal(es.waitCount, 2);
  assert.match(es.stoppingReason!, /did not improve in the last 2 records\. Best score: 4\.000/);
  assert.deepEqual(es.stateDict(), { waitCount: 2, stoppedEpoch: 3, bestScore: 4, patience: 2 });
  // mode max
  const esMax = new EarlyStopping({ monitor: "score", mode: "max", patience: 1 });
  assert.equal((await run([1, 2, 2, 3], esMax)).currentEpoch, 3);
});

test("stoppingThreshold, divergenceThreshold and non-finite values stop at once", async () => {
  const a = new EarlyStopping({ monitor: "score", stoppingThreshold: 0.1 });
  assert.equal((await run([1, 0.5, 0.05, 0.01], a)).currentEpoch, 3);
  assert.match(a.stoppingReason!, /Stopping threshold reached: score = 0\.05 < 0\.1/);
  const d = new EarlyStopping({ monitor: "score", divergenceThreshold: 10, patience: 100 });
  assert.equal((await run([1, 20, 0.5], d)).currentEpoch, 2);
  assert.match(d.stoppingReason!, /Divergence threshold reached: score = 20/);
  const n = new EarlyStopping({ monitor: "score", patience: 100 });
  assert.equal((await run([1, NaN, 0.5], n)).currentEpoch, 2);
  assert.match(n.stoppingReason!, /score = NaN is not finite\. Previous best value was 1\.000/);
});

test("a monitor key that was never logged is an error listing the keys that exist (strict)", async () => {
  await assert.rejects(run([1, 2], new EarlyStopping({ monitor: "val_los" })), (e: Error) => {
    assert.ok(e instanceof MisconfigurationError);
    assert.equal(e.message, "Early stopping conditioned on metric `val_los` which is not available. Pass in or modify your `EarlyStopping` callback to use any of the following: `score`");
    return true;
  });
  // strict: false → skipped
  assert.equal((await run([1, 2], new EarlyStopping({ monitor: "val_los", strict: false }))).currentEpoch, 2);
});
