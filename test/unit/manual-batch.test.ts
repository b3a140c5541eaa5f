/**
 * runManualBatch: a synchronous trainingStep runs without a promise; an async one (awaiting a readback between its
 * steps) gives the same outputs and global steps; step() counts as a global step only while trainingStep runs, also
 * for the async form until its promise settles; a trainingStep that throws stops the counting.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { tf, LightningModule, Trainer, DataLoader } from "../../kernel";
import { isPromise } from "../../kernel/trainer/maybe-async";
import { runManualBatch } from "../../kernel/trainer/loops/manual-batch";

before(async () => {
  await tf.setBackend("cpu");
});

class Steps extends LightningModule {
  w = tf.variable(tf.ones([2]));
  seen: unknown[] = [];
  stepsInEnd = 0;
  constructor(private readonly useAsync: boolean) {
    super();
    this.automaticOptimization = false;
  }
  configureOptimizers() {
    return tf.train.sgd(0.1);
  }
  trainingStep(batch: { x: tf.Tensor }): unknown {
    const opt = this.optimizers();
    const once = () => {
      const loss = this.manualBackward(() => tf.sum(tf.mul(this.w, batch.x)) as tf.Scalar);
      opt.step();
      opt.zeroGrad();
      return loss;
    };
    if (!this.useAsync) {
      once();
      return { loss: once(), n: 2 };
    }
    return (async () => {
      const first = once();
      await first.data(); // a readback between the two steps
      return { loss: once(), n: 2 };
    })();
  }
  onTrainBatchEnd(outputs: any) {
    this.seen.push(outputs.n);
    // A step outside trainingStep is not a global step (Lightning counts the wrapped steps of training_step only).
    this.optimizers().step();
    this.stepsInEnd++;
  }
}

for (const useAsync of [false, true]) {
  test(`${useAsync ? "async" : "sync"} trainingStep: outputs reach onTrainBatchEnd and only its steps count`, async () => {
    const m = new Steps(useAsync);
    const trainer = new Trainer({ maxEpochs: 1, logger: false, enableProgressBar: false, enableCheckpointing: false, live: false });
    await trainer.fit(m, new DataLoader({ x: tf.ones([3, 2]) }, { batchSize: 1 }));
    assert.deepEqual(m.seen, [2, 2, 2]);
    assert.equal(m.stepsInEnd, 3);
    assert.equal(trainer.globalStep, 6, "two counted steps per batch, none from onTrainBatchEnd");
    assert.equal(trainer.batchesSeen, 3);
  });
}

test("runManualBatch answers synchronously for a sync step, with a promise for an async one, and stops counting on a throw", async () => {
  const ctx = {
    countingSteps: false,
    hooks: {
      result: undefined as unknown,
      moduleHook(_name: string, _args: unknown[]) {
        assert.equal(ctx.countingSteps, true, "counting while trainingStep runs");
        return this.result;
      },
      settle: () => undefined,
    },
  };
  const run = () => runManualBatch(ctx as any, {}, 0);
  ctx.hooks.result = { a: 1 };
  const sync = run();
  assert.ok(!isPromise(sync));
  assert.deepEqual(sync, { a: 1 });
  assert.equal(ctx.countingSteps, false);

  ctx.hooks.result = Promise.resolve(undefined);
  const later = run();
  assert.ok(isPromise(later));
  assert.equal(ctx.countingSteps, true, "still counting until the async step settles");
  assert.deepEqual(await later, {});
  assert.equal(ctx.countingSteps, false);

  ctx.hooks.result = 42; // not a valid manual return
  assert.throws(run, /trainingStep/);
  assert.equal(ctx.countingSteps, false, "a throw stops the counting");
});
