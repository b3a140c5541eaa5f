/** Spec §7 C: optimizers, schedulers, global steps, toggling, clipping (cases 25–40). */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { StepLR, type LightningOptimizer } from "../../kernel";
import {
  useTestBackend, makeTrainer, loader, OneVar, ManualOneVar, R, rejection, values, valueOf, tf, type Batch,
} from "./setup";

useTestBackend();

/** Manual module with two scalar variables `a`, `b`, each with its own SGD (lr 0.1). */
class TwoOpt extends ManualOneVar {
  a = tf.variable(tf.scalar(1));
  b = tf.variable(tf.scalar(1));
  raw = [tf.train.sgd(0.1), tf.train.sgd(0.1)];
  configureOptimizers(): any {
    return [{ optimizer: this.raw[0], params: this.a }, { optimizer: this.raw[1], params: this.b }];
  }
  lossA(batch: Batch) {
    return tf.mean(tf.square(tf.mul(this.a, batch.x))) as tf.Scalar;
  }
  lossB(batch: Batch) {
    return tf.mean(tf.square(tf.mul(this.b, batch.x))) as tf.Scalar;
  }
  /** Backward (`backwardsA` times) + step + zeroGrad for `a`'s optimizer, then once for `b`'s. */
  stepBoth(batch: Batch, backwardsA = 1) {
    const [oa, ob] = this.optimizers();
    for (let k = 0; k < backwardsA; k++) this.manualBackward(() => this.lossA(batch));
    oa.step();
    oa.zeroGrad();
    this.manualBackward(() => this.lossB(batch));
    ob.step();
    ob.zeroGrad();
  }
}

describe("C. optimizers, schedulers, steps, toggling, clipping", () => {
  test("case 25: one optimizer → the same wrapper object every batch; two → an array in configure order", async () => {
    const seen: unknown[] = [];
    const one = new (class extends ManualOneVar {
      trainingStep(batch: Batch, i: number) {
        seen.push(this.optimizers());
        return super.trainingStep(batch, i);
      }
    })();
    await makeTrainer().fit(one, loader());
    assert.ok(!Array.isArray(seen[0]));
    for (const o of seen) assert.equal(o, seen[0]);
    let pair: LightningOptimizer[] = [];
    const two = new (class extends TwoOpt {
      trainingStep() {
        pair = this.optimizers();
      }
    })();
    await makeTrainer().fit(two, loader(1));
    assert.ok(Array.isArray(pair));
    assert.equal(pair.length, 2);
    assert.equal(pair[0].optimizer, two.raw[0]);
    assert.equal(pair[1].optimizer, two.raw[1]);
  });

  test("case 26: optimizers({usePlOptimizer: false}) is the raw optimizer; stepping it is not counted and fires no hook", async () => {
    let raw: unknown;
    const m = new (class extends ManualOneVar {
      trainingStep(batch: Batch) {
        const opt = this.optimizers({ usePlOptimizer: false });
        raw = opt;
        opt.minimize(() => this.lossOf(batch));
      }
    })();
    const r = new R();
    const trainer = makeTrainer({ callbacks: [r] });
    const w0 = await valueOf(m.w);
    await trainer.fit(m, loader());
    assert.ok(raw instanceof tf.Optimizer);
    assert.equal(raw, trainer.optimizers[0]);
    assert.notEqual(await valueOf(m.w), w0, "the raw step did update the variable");
    assert.equal(trainer.globalStep, 0);
    assert.equal(r.count("onBeforeOptimizerStep"), 0);
  });

  test("case 27: lrSchedulers() is null, the scheduler, or an array in order", async () => {
    const seen: unknown[] = [];
    const none = new (class extends ManualOneVar {
      trainingStep() {
        seen.push(this.lrSchedulers());
      }
    })();
    await makeTrainer().fit(none, loader(1));
    assert.equal(seen[0], null);
    const scheds: StepLR[] = [];
    const one = new (class extends ManualOneVar {
      configureOptimizers() {
        const optimizer = tf.train.sgd(0.1);
        scheds.push(new StepLR(optimizer, { stepSize: 1 }));
        return { optimizer, lrScheduler: scheds[0] };
      }
      trainingStep() {
        seen.push(this.lrSchedulers());
      }
    })();
    await makeTrainer().fit(one, loader(1));
    assert.equal(seen[1], scheds[0]);
    const two = new (class extends TwoOpt {
      configureOptimizers() {
        const s = this.raw.map((o) => new StepLR(o, { stepSize: 1 }));
        scheds.push(...s);
        return [{ optimizer: this.raw[0], params: this.a, lrScheduler: s[0] }, { optimizer: this.raw[1], params: this.b, lrScheduler: s[1] }];
      }
      trainingStep() {
        seen.push(this.lrSchedulers());
      }
    })();
    await makeTrainer().fit(two, loader(1));
    assert.deepEqual(seen[2], [scheds[1], scheds[2]]);
  });

  test("case 28: manual, two optimizers stepped once per batch for 2 batches → globalStep 4; 3 backward calls per batch", async () => {
    const m = new (class extends TwoOpt {
      trainingStep(batch: Batch) {
        this.stepBoth(batch, 2);
      }
    })();
    const r = new R();
    const trainer = makeTrainer({ callbacks: [r] });
    await trainer.fit(m, loader(2));
    assert.equal(trainer.globalStep, 4);
    assert.equal(r.count("onBeforeBackward"), 6);
  });

  test("case 29: manual, steps at different frequencies over 8 batches → globalStep 6", async () => {
    const m = new (class extends TwoOpt {
      trainingStep(batch: Batch, i: number) {
        const [oa, ob] = this.optimizers();
        if (i % 2 === 0) {
          this.manualBackward(() => this.lossA(batch));
          oa.step();
          oa.zeroGrad();
        }
        if (i % 4 === 0) {
          this.manualBackward(() => this.lossB(batch));
          ob.step();
          ob.zeroGrad();
        }
      }
    })();
    const trainer = makeTrainer();
    await trainer.fit(m, loader(8));
    assert.equal(trainer.globalStep, 6);
  });

  test("case 30: manual, never stepping leaves globalStep 0", async () => {
    const m = new (class extends ManualOneVar {
      trainingStep(batch: Batch) {
        this.manualBackward(() => this.lossOf(batch));
      }
    })();
    const trainer = makeTrainer();
    await trainer.fit(m, loader());
    assert.equal(trainer.globalStep, 0);
  });

  test("case 31: manual, opt.step() in onTrainBatchEnd updates and fires onBeforeOptimizerStep but is not counted", async () => {
    const m = new (class extends ManualOneVar {
      trainingStep(batch: Batch) {
        const opt = this.optimizers();
        opt.zeroGrad();
        this.manualBackward(() => this.lossOf(batch));
      }
      onTrainBatchEnd() {
        this.optimizers().step();
      }
    })();
    const r = new R();
    const trainer = makeTrainer({ callbacks: [r] });
    const w0 = await valueOf(m.w);
    await trainer.fit(m, loader());
    assert.notEqual(await valueOf(m.w), w0);
    assert.equal(r.count("onBeforeOptimizerStep"), 4);
    assert.equal(trainer.globalStep, 0);
  });

  test("case 32: manual, two optimizers, maxSteps 4 → 2 trainingSteps, one epoch end, globalStep 4, currentEpoch 1", async () => {
    let steps = 0;
    let epochEnds = 0;
    const m = new (class extends TwoOpt {
      trainingStep(batch: Batch) {
        steps++;
        this.stepBoth(batch);
      }
      onTrainEpochEnd() {
        epochEnds++;
      }
    })();
    const trainer = makeTrainer({ maxSteps: 4, maxEpochs: 5 });
    await trainer.fit(m, loader(10));
    assert.equal(steps, 2);
    assert.equal(epochEnds, 1);
    assert.equal(trainer.globalStep, 4);
    assert.equal(trainer.currentEpoch, 1);
  });

  test("case 33: manual + gradientClipVal > 0 is rejected after configureCallbacks, before prepareData/setup; 0 is accepted", async () => {
    const calls: string[] = [];
    class M extends ManualOneVar {
      configureCallbacks() {
        calls.push("configureCallbacks");
      }
      prepareData() {
        calls.push("prepareData");
      }
      setup() {
        calls.push("setup");
      }
    }
    const err = await rejection(makeTrainer({ gradientClipVal: 1.0 }).fit(new M(), loader()));
    assert.match(err.message, /Automatic gradient clipping is not supported for manual optimization/);
    assert.deepEqual(calls, ["configureCallbacks"]);
    const trainer = makeTrainer({ gradientClipVal: 0 });
    await trainer.fit(new M(), loader());
    assert.equal(trainer.state.status, "finished");
  });

  test("case 34: manual + accumulateGradBatches 2 is rejected", async () => {
    const err = await rejection(makeTrainer({ accumulateGradBatches: 2 }).fit(new ManualOneVar(), loader()));
    assert.match(err.message, /Automatic gradient accumulation is not supported for manual optimization/);
  });

  test("case 35: clipGradients by value / norm / 0 on a gradient [3, -4]", async () => {
    /** One step with lr 1 after clipping: the update is −(clipped gradient). */
    async function clippedGrad(opts: { gradientClipVal?: number; gradientClipAlgorithm?: string }) {
      const m = new (class extends ManualOneVar {
        v = tf.variable(tf.tensor1d([0, 0]));
        configureOptimizers() {
          return { optimizer: tf.train.sgd(1), params: this.v };
        }
        trainingStep() {
          const opt = this.optimizers();
          opt.zeroGrad();
          this.manualBackward(() => tf.sum(tf.mul(this.v, tf.tensor1d([3, -4]))) as tf.Scalar);
          this.clipGradients(opt, opts);
          opt.step();
        }
      })();
      await makeTrainer().fit(m, loader(1));
      return (await values(m.v)).map((x) => -x);
    }
    const close = (a: number[], b: number[]) => a.every((x, i) => Math.abs(x - b[i]) < 1e-5);
    assert.deepEqual(await clippedGrad({ gradientClipVal: 1, gradientClipAlgorithm: "value" }), [1, -1]);
    const norm = await clippedGrad({ gradientClipVal: 1, gradientClipAlgorithm: "norm" });
    assert.ok(close(norm, [0.6, -0.8]), `norm ${norm}`);
    const dflt = await clippedGrad({ gradientClipVal: 1 });
    assert.ok(close(dflt, [0.6, -0.8]), `default algorithm ${dflt}`);
    assert.deepEqual(await clippedGrad({ gradientClipVal: 0 }), [3, -4]);
  });

  test("case 36: clipGradients rejects an unknown algorithm and a non-number value", async () => {
    const errors: Error[] = [];
    const m = new (class extends ManualOneVar {
      trainingStep(batch: Batch) {
        const opt = this.optimizers();
        this.manualBackward(() => this.lossOf(batch));
        for (const o of [{ gradientClipVal: 1, gradientClipAlgorithm: "foo" }, { gradientClipVal: "1" as any }]) {
          try {
            this.clipGradients(opt, o);
          } catch (e) {
            errors.push(e as Error);
          }
        }
      }
    })();
    await makeTrainer().fit(m, loader(1));
    assert.equal(errors.length, 2);
    assert.match(errors[0].message, /Allowed algorithms/);
    assert.ok(errors[1] instanceof TypeError);
    assert.match(errors[1].message, /should be an int or a float/);
  });

  test("case 37: Trainer gradientClipVal and a different clipGradients value → 'Please use only one of them'", async () => {
    const m = new (class extends OneVar {
      configureGradientClipping(opt: LightningOptimizer) {
        this.clipGradients(opt, { gradientClipVal: 0.01 });
      }
    })();
    const err = await rejection(makeTrainer({ gradientClipVal: 1e-4 }).fit(m, loader()));
    assert.match(err.message, /Please use only one of them/);
  });

  test("case 38: toggle/untoggle two optimizers with disjoint variables (a frozen variable stays frozen)", async () => {
    const flags: Record<string, boolean[]> = {};
    let recordAfterUntoggle: unknown = "unset";
    let threw = false;
    const m = new (class extends ManualOneVar {
      a1 = tf.variable(tf.scalar(1));
      a2 = tf.variable(tf.scalar(1));
      b1 = tf.variable(tf.scalar(1));
      b2 = tf.variable(tf.scalar(1));
      configureOptimizers() {
        return [{ optimizer: tf.train.sgd(0.1), params: [this.a1, this.a2] }, { optimizer: tf.train.sgd(0.1), params: [this.b1, this.b2] }];
      }
      snap(label: string) {
        flags[label] = [this.a1, this.a2, this.b1, this.b2].map((v) => v.trainable);
      }
      trainingStep() {
        const [o1] = this.optimizers();
        this.snap("before");
        this.toggleOptimizer(o1);
        this.snap("toggled");
        this.untoggleOptimizer(o1);
        this.snap("untoggled");
        recordAfterUntoggle = (this.trainer as any)._runContext.toggleRecord;
        try {
          this.toggledOptimizer(o1, () => {
            this.snap("inside");
            throw new Error("boom");
          });
        } catch {
          threw = true;
        }
        this.snap("afterThrow");
      }
    })();
    m.a2.trainable = false;
    await makeTrainer().fit(m, loader(1));
    assert.deepEqual(flags.before, [true, false, true, true]);
    assert.deepEqual(flags.toggled, [true, false, false, false]);
    assert.deepEqual(flags.untoggled, [true, false, true, true]);
    assert.equal(recordAfterUntoggle, null, "the toggle record is cleared");
    assert.deepEqual(flags.inside, [true, false, false, false]);
    assert.ok(threw);
    assert.deepEqual(flags.afterThrow, [true, false, true, true]);
  });

  test("case 39: toggling one of three optimizers with shared variables", async () => {
    let after: boolean[] = [];
    const m = new (class extends ManualOneVar {
      l1 = tf.variable(tf.scalar(1));
      l2 = tf.variable(tf.scalar(1));
      l3 = tf.variable(tf.scalar(1));
      configureOptimizers() {
        return [
          { optimizer: tf.train.sgd(0.1), params: [this.l1, this.l2] },
          { optimizer: tf.train.sgd(0.1), params: [this.l2, this.l3] },
          { optimizer: tf.train.sgd(0.1), params: [this.l3, this.l1] },
        ];
      }
      trainingStep() {
        const [, o2] = this.optimizers();
        this.toggleOptimizer(o2);
        after = [this.l1, this.l2, this.l3].map((v) => v.trainable);
        this.untoggleOptimizer(o2);
      }
    })();
    await makeTrainer().fit(m, loader(1));
    assert.deepEqual(after, [false, true, true]);
  });

  test("case 40: automatic mode with two optimizers is rejected", async () => {
    const m = new (class extends OneVar {
      v = tf.variable(tf.scalar(1));
      configureOptimizers() {
        return [{ optimizer: tf.train.sgd(0.1), params: this.w }, { optimizer: tf.train.sgd(0.1), params: this.v }];
      }
    })();
    const err = await rejection(makeTrainer().fit(m, loader()));
    assert.match(err.message, /only supported with manual optimization/);
  });
});

