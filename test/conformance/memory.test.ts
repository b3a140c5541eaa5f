/** Tensor lifetime: what a fit keeps, leak warnings, `this.keep`, removed memory-retaining hooks, one tfjs instance. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tfDirect from "@tensorflow/tfjs";
import { NotImplementedError, Callback, type StepOutputs } from "../../kernel";
import { useTestBackend, makeTrainer, loader, OneVar, captureWarnings, rejection, valueOf, tf, type Batch } from "./setup";

useTestBackend();

/** OneVar with Adam: all of Adam's state is variables (2 moments per variable + 2 accumulated beta powers). */
class AdamOneVar extends OneVar {
  configureOptimizers(): any {
    return tf.train.adam(0.01);
  }
}
const adamSlots = (numVariables: number) => 2 * numVariables + 2;
/** SGD keeps one tensor: its learning rate as a scalar. */
const SGD_SLOTS = 1;

describe("memory", () => {
  test("after fit, numTensors = before + model variables + optimizer slots", async () => {
    const data = loader();
    const before = tf.memory().numTensors;
    const m = new AdamOneVar();
    const modelVariables = m.allVariables().length;
    const trainer = makeTrainer({ maxEpochs: 2 });
    await trainer.fit(m, data);
    assert.equal(trainer.globalStep, 8);
    assert.equal(tf.memory().numTensors, before + modelVariables + adamSlots(modelVariables));
  });

  test("numTensors does not grow over 1000 steps of a tiny model", async () => {
    const atBatchStart: number[] = [];
    class Count extends Callback {
      onTrainBatchStart() {
        atBatchStart.push(tf.memory().numTensors);
      }
    }
    const data = loader(10);
    const m = new (class extends AdamOneVar {
      trainingStep(batch: Batch) {
        this.log("loss", this.lossOf(batch), { onEpoch: true, progBar: true });
        return { loss: this.lossOf(batch), extra: tf.mul(batch.x, 2) };
      }
    })();
    const trainer = makeTrainer({ maxSteps: 1000, maxEpochs: -1, callbacks: [new Count()] });
    const before = tf.memory().numTensors;
    const { warnings } = await captureWarnings(() => trainer.fit(m, data));
    assert.equal(trainer.globalStep, 1000);
    assert.equal(atBatchStart.length, 1000);
    // From the second batch on (Adam's moments exist after the first step) the count is constant.
    assert.deepEqual(new Set(atBatchStart.slice(1)).size, 1, `counts ${[...new Set(atBatchStart)].join(", ")}`);
    assert.equal(tf.memory().numTensors, before + adamSlots(1));
    assert.deepEqual(warnings.filter((w) => /leak/i.test(w)), []);
  });

  test("a module leaking one tensor per step gets exactly one warning naming the count and the hook", async () => {
    const leaked: tf.Tensor[] = [];
    const m = new (class extends OneVar {
      trainingStep(batch: Batch) {
        leaked.push(tf.keep(tf.scalar(1)));
        return this.lossOf(batch);
      }
    })();
    const { warnings } = await captureWarnings(() => makeTrainer({ maxEpochs: 3 }).fit(m, loader()));
    const leaks = warnings.filter((w) => /leak/i.test(w));
    assert.equal(leaks.length, 1, leaks.join("\n"));
    assert.match(leaks[0], /\b1 tensor\(s\) per step/);
    assert.match(leaks[0], /trainingStep: 1/);
    assert.equal(leaked.length, 12);
    for (const t of leaked) t.dispose();
  });

  test("this.keep(t) keeps a tensor across batches and releases it at teardown", async () => {
    const m = new (class extends OneVar {
      kept: tf.Tensor | null = null;
      readLater: number[] = [];
      trainingStep(batch: Batch, i: number) {
        if (i === 0) this.kept = this.keep(tf.scalar(5));
        return this.lossOf(batch);
      }
      async onTrainBatchEnd(_o: StepOutputs | null, _b: unknown, i: number) {
        if (i === 3) this.readLater.push(await valueOf(this.kept!));
      }
    })();
    const data = loader();
    const before = tf.memory().numTensors;
    const { warnings } = await captureWarnings(() => makeTrainer().fit(m, data));
    assert.deepEqual(m.readLater, [5]);
    assert.equal(m.kept!.isDisposed, true);
    assert.equal(tf.memory().numTensors, before + SGD_SLOTS, "only SGD's cached learning rate remains; the kept tensor was released");
    assert.deepEqual(warnings.filter((w) => /leak/i.test(w)), []);
  });

  test("a trainingEpochEnd method gets the spec's 'removed in v2.0.0' error", async () => {
    const m = new (class extends OneVar {
      trainingEpochEnd() {}
    })();
    const err = await rejection(makeTrainer().fit(m, loader()));
    assert.ok(err instanceof NotImplementedError);
    assert.match(err.message, /Support for `training_epoch_end` has been removed in v2\.0\.0/);
    assert.match(err.message, /onTrainEpochEnd/);
  });

  test("tensors cross between test code and the trainer (one tfjs instance)", async () => {
    assert.equal(tfDirect.engine(), tf.engine(), "the package's tf is the app's @tensorflow/tfjs");
    const batches = [1, 2, 3].map((v) => ({ x: tfDirect.tensor2d([[v]]) }));
    const outs: number[] = [];
    const m = new (class extends OneVar {
      async onTrainBatchEnd(outputs: StepOutputs | null) {
        const loss = outputs!.loss as tf.Tensor;
        const doubled = tfDirect.mul(loss, 2);
        outs.push(await valueOf(doubled));
        doubled.dispose();
      }
    })();
    const trainer = makeTrainer();
    await trainer.fit(m, batches);
    assert.equal(trainer.state.status, "finished");
    assert.equal(outs.length, 3);
    assert.ok(outs.every((v) => Number.isFinite(v) && v > 0));
    const w = tfDirect.add(m.w, 1);
    assert.ok(Number.isFinite(await valueOf(w)));
    w.dispose();
    for (const b of batches) b.x.dispose();
  });
});
