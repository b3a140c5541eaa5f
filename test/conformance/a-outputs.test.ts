/** Spec §7 A: what `trainingStep` returns → what `onTrainBatchEnd` receives (cases 1–14). */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { StepLR, type LightningModule, type StepOutputs } from "../../kernel";
import {
  useTestBackend, makeTrainer, loader, OneVar, ManualOneVar, R, valueOf, captureWarnings, rejection, tf,
  type Batch,
} from "./setup";

useTestBackend();

/** A manual module whose trainingStep does the standard step and returns `ret(batch)`. */
function manualReturning(ret: (m: ManualOneVar, batch: Batch) => unknown) {
  return new (class extends ManualOneVar {
    seen: { outputs: unknown; loss?: number }[] = [];
    trainingStep(batch: Batch, i: number): unknown {
      super.trainingStep(batch, i);
      return ret(this, batch);
    }
    async onTrainBatchEnd(outputs: StepOutputs | null) {
      const loss = outputs?.loss instanceof tf.Tensor ? await valueOf(outputs.loss) : undefined;
      this.seen.push({ outputs, loss });
    }
  })();
}

/** Fits and returns the recording callback. */
async function fitWith(module: LightningModule, opts = {}, n = 4) {
  const r = new R();
  const trainer = makeTrainer({ callbacks: [r], ...opts });
  await trainer.fit(module, loader(n));
  return { r, trainer };
}

async function expectStepError(module: LightningModule, pattern: RegExp) {
  const r = new R();
  const trainer = makeTrainer({ callbacks: [r] });
  const err = await rejection(trainer.fit(module, loader()));
  assert.match(err.message, pattern);
  assert.equal(trainer.state.status, "interrupted");
  assert.equal(r.count("onException"), 1);
  assert.equal(r.argsOf("onException")[0][0], err);
  assert.equal(r.count("onTrainEnd"), 0);
  return err;
}

describe("A. trainingStep outputs", () => {
  test("case 1: manual, returning a tensor gives {loss} and the same object to callback and module", async () => {
    const m = manualReturning(() => tf.scalar(2.5));
    const { r } = await fitWith(m);
    assert.equal(m.seen.length, 4);
    const cbOutputs = r.argsOf("onTrainBatchEnd").map((a) => a[0]);
    m.seen.forEach(({ outputs, loss }, i) => {
      assert.deepEqual(Object.keys(outputs as object), ["loss"]);
      assert.equal(loss, 2.5);
      assert.equal(cbOutputs[i], outputs, "callback and module receive the identical dict");
    });
  });

  test("case 2: manual, returning undefined gives {} and no warning", async () => {
    const m = manualReturning(() => undefined);
    const { warnings } = await captureWarnings(() => fitWith(m));
    for (const { outputs } of m.seen) assert.deepEqual(outputs, {});
    assert.deepEqual(warnings, []);
  });

  test("case 3: manual, a dict is shallow-copied with only loss detached", async () => {
    const returned: Record<string, unknown>[] = [];
    const accs: tf.Tensor[] = [];
    const m = manualReturning(() => {
      const acc = tf.scalar(0.5);
      accs.push(acc);
      const d = { loss: tf.scalar(1), acc, tag: "x" };
      returned.push(d);
      return d;
    });
    await fitWith(m);
    m.seen.forEach(({ outputs }, i) => {
      const o = outputs as Record<string, unknown>;
      assert.deepEqual(Object.keys(o).sort(), ["acc", "loss", "tag"]);
      assert.equal(o.acc, accs[i]);
      assert.equal(o.tag, "x");
      assert.notEqual(o, returned[i]);
      o.tag = "changed";
      assert.equal(returned[i].tag, "x", "mutating outputs does not change the user's dict");
    });
  });

  test("case 4: manual, a dict without loss is accepted as is", async () => {
    const accs: tf.Tensor[] = [];
    const m = manualReturning(() => {
      const acc = tf.scalar(0.5);
      accs.push(acc);
      return { acc };
    });
    await fitWith(m);
    m.seen.forEach(({ outputs }, i) => assert.deepEqual(outputs, { acc: accs[i] }));
  });

  test("case 5: manual, returning 5 is an error; status interrupted, onException once, no onTrainEnd", async () => {
    await expectStepError(manualReturning(() => 5), /must either return a Tensor or have no return/);
  });

  test("case 6: manual, returning an array is the same error", async () => {
    await expectStepError(manualReturning(() => [tf.scalar(1)]), /must either return a Tensor or have no return/);
  });

  test("case 7: automatic, returning T gives {loss: value(T)} with a distinct tensor", async () => {
    const m = new (class extends OneVar {
      returned: tf.Tensor[] = [];
      seen: { outputs: StepOutputs; loss: number; expected: number }[] = [];
      trainingStep(batch: Batch) {
        const t = this.lossOf(batch);
        this.returned.push(t);
        return t;
      }
      async onTrainBatchEnd(outputs: StepOutputs | null, batch: Batch, i: number) {
        const loss = await valueOf(outputs!.loss as tf.Tensor);
        void batch;
        this.seen.push({ outputs: outputs!, loss, expected: i });
      }
    })();
    const ws: number[] = [];
    const r = new R();
    (r as any).onTrainBatchStart = async () => ws.push(await valueOf(m.w));
    await makeTrainer({ callbacks: [r] }).fit(m, loader());
    m.seen.forEach(({ outputs, loss }, i) => {
      assert.deepEqual(Object.keys(outputs), ["loss"]);
      assert.notEqual(outputs.loss, m.returned[i]);
      const x = i + 1;
      assert.ok(Math.abs(loss - (ws[i] * x) ** 2) < 1e-4, `loss ${loss} = (w·x)² at batch ${i}`);
    });
  });

  test("case 8: automatic, {loss, foo: 123} keeps the extra key after loss", async () => {
    const m = new (class extends OneVar {
      keys: string[][] = [];
      foo: unknown[] = [];
      trainingStep(batch: Batch) {
        return { loss: this.lossOf(batch), foo: 123 };
      }
      onTrainBatchEnd(outputs: StepOutputs | null) {
        this.keys.push(Object.keys(outputs!));
        this.foo.push(outputs!.foo);
      }
    })();
    await fitWith(m);
    for (const k of m.keys) assert.deepEqual(k, ["loss", "foo"]);
    for (const f of m.foo) assert.equal(f, 123);
  });

  test("case 9: automatic, a dict without loss (or loss: null) is an error", async () => {
    for (const ret of [{ foo: 1 }, { loss: null }]) {
      const m = new (class extends OneVar {
        trainingStep() {
          return ret;
        }
      })();
      await expectStepError(m, /the 'loss' key needs to be present/);
    }
  });

  test("case 10: automatic, returning 5.0 is an error", async () => {
    const m = new (class extends OneVar {
      trainingStep() {
        return 5.0;
      }
    })();
    await expectStepError(m, /must return a Tensor, a dict, or None/);
  });

  test("case 11: automatic, returning undefined skips backward but still zeroes, steps and counts", async () => {
    const m = new (class extends OneVar {
      seen: unknown[] = [];
      trainingStep() {
        return undefined;
      }
      onTrainBatchEnd(outputs: StepOutputs | null) {
        this.seen.push(outputs);
      }
    })();
    const r = new R();
    const trainer = makeTrainer({ callbacks: [r] });
    const counts: Record<string, number> = {};
    trainer.hookObservers.push((e) => {
      if (e.target === "module") counts[e.hook] = (counts[e.hook] ?? 0) + 1;
    });
    const before = await valueOf(m.w);
    const { warnings } = await captureWarnings(() => trainer.fit(m, loader()));
    assert.equal(warnings.filter((w) => w.includes("`training_step` returned `None`")).length, 1);
    assert.deepEqual(m.seen, [{}, {}, {}, {}]);
    assert.equal(r.count("onBeforeZeroGrad"), 4);
    assert.equal(counts.optimizerZeroGrad, 4);
    assert.equal(r.count("onBeforeBackward"), 0);
    assert.equal(counts.backward, undefined);
    assert.equal(r.count("onAfterBackward"), 0);
    assert.equal(r.count("onBeforeOptimizerStep"), 4);
    assert.equal(await valueOf(m.w), before);
    assert.equal(trainer.globalStep, 4);
  });

  test("case 12: accumulateGradBatches 2 divides the loss and steps on batches 1 and 3", async () => {
    const m = new (class extends OneVar {
      losses: number[] = [];
      backwardLosses: number[] = [];
      stepped: number[] = [];
      trainingStep() {
        return tf.add(tf.mul(this.w, 0), 8) as tf.Scalar;
      }
      async onBeforeBackward(loss: tf.Scalar) {
        this.backwardLosses.push(await valueOf(loss));
      }
      optimizerStep(epoch: number, i: number, opt: any, closure: () => unknown) {
        this.stepped.push(i);
        return super.optimizerStep(epoch, i, opt, closure);
      }
      async onTrainBatchEnd(outputs: StepOutputs | null) {
        this.losses.push(await valueOf(outputs!.loss as tf.Tensor));
      }
    })();
    const { trainer } = await fitWith(m, { accumulateGradBatches: 2 });
    assert.deepEqual(m.losses, [4, 4, 4, 4]);
    assert.deepEqual(m.backwardLosses, [4, 4, 4, 4]);
    assert.deepEqual(m.stepped, [1, 3]);
    assert.equal(trainer.globalStep, 2);
  });

  test("case 13: a null batch warns, skips trainingStep, and calls onTrainBatchEnd(null, null, i)", async () => {
    const m = new (class extends OneVar {
      steps: number[] = [];
      starts: number[] = [];
      ends: unknown[][] = [];
      trainingStep(batch: Batch, i: number) {
        this.steps.push(i);
        return this.lossOf(batch);
      }
      onTrainBatchStart(_b: unknown, i: number) {
        this.starts.push(i);
      }
      onTrainBatchEnd(outputs: StepOutputs | null, batch: unknown, i: number) {
        this.ends.push([outputs, batch, i]);
      }
    })();
    const data = [{ x: tf.ones([1, 1]) }, null, { x: tf.ones([1, 1]) }, { x: tf.ones([1, 1]) }];
    const r = new R();
    const { warnings } = await captureWarnings(() => makeTrainer({ callbacks: [r] }).fit(m, data));
    assert.ok(warnings.some((w) => w.includes("train_dataloader yielded None")));
    assert.deepEqual(m.steps, [0, 2, 3]);
    assert.deepEqual(m.starts, [0, 2, 3]);
    assert.deepEqual(r.argsOf("onTrainBatchStart").map((a) => a[1]), [0, 2, 3]);
    assert.deepEqual(m.ends[1], [null, null, 1]);
    assert.deepEqual(r.argsOf("onTrainBatchEnd")[1], [null, null, 1]);
  });

  test("case 14: onTrainBatchStart returning -1 ends the epoch; epoch schedulers still step", async () => {
    const m = new (class extends OneVar {
      steps: number[] = [];
      ends: number[] = [];
      epochEnds = 0;
      configureOptimizers() {
        const optimizer = tf.train.sgd(0.1);
        return { optimizer, lrScheduler: new StepLR(optimizer, { stepSize: 1, gamma: 0.1 }) };
      }
      trainingStep(batch: Batch, i: number) {
        this.steps.push(i);
        return this.lossOf(batch);
      }
      onTrainBatchStart(_b: unknown, i: number) {
        return i === 2 ? -1 : undefined;
      }
      onTrainBatchEnd(_o: unknown, _b: unknown, i: number) {
        this.ends.push(i);
      }
      onTrainEpochEnd() {
        this.epochEnds++;
      }
    })();
    const { trainer } = await fitWith(m, { maxEpochs: 2 });
    assert.deepEqual(m.steps, [0, 1, 0, 1]);
    assert.deepEqual(m.ends, [0, 1, 0, 1]);
    assert.equal(trainer.globalStep, 4);
    assert.equal(m.epochEnds, 2);
    assert.equal(trainer.batchIdx, 2, "trainer.batchIdx (the port's fitLoop.batchIdx)");
    const lr = (trainer.optimizers[0] as any).learningRate as number;
    assert.ok(Math.abs(lr - 0.001) < 1e-9, `lr ${lr}`);
  });
});

