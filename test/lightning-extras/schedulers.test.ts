/** The schedulers against hand-computed PyTorch sequences; trainer stepping; the unknown-optimizer error. */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import {
  tf, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR, ReduceLROnPlateau, OneCycleLR,
  MisconfigurationError, LightningModule, type LRScheduler,
} from "../../kernel";
import { loaders, quietTrainer, Regressor } from "./helpers";

before(async () => {
  await tf.setBackend("cpu");
});

/** lr after construction, then after each of `n` steps. */
function sequence(s: LRScheduler, n: number, metrics?: number[]): number[] {
  const out = [s.getLastLr()[0]];
  for (let i = 0; i < n; i++) {
    if (metrics) s.step(metrics[i]);
    else s.step();
    out.push((s.optimizer as any).learningRate);
  }
  return out;
}

function close(actual: number[], expected: number[], tol = 1e-12): void {
  assert.equal(actual.length, expected.length, `length ${actual.length} vs ${expected.length}`);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `at ${i}: ${a} vs ${expected[i]}\n${actual}`));
}

test("StepLR and MultiStepLR", () => {
  close(sequence(new StepLR(tf.train.sgd(1), { stepSize: 2, gamma: 0.5 }), 5), [1, 1, 0.5, 0.5, 0.25, 0.25]);
  // milestones [2, 4], gamma 0.1: epochs 0,1 → 1; 2,3 → 0.1; 4,5 → 0.01 (bisect_right)
  close(sequence(new MultiStepLR(tf.train.sgd(1), { milestones: [4, 2], gamma: 0.1 }), 5), [1, 1, 0.1, 0.1, 0.01, 0.01]);
});

test("ExponentialLR and LambdaLR", () => {
  close(sequence(new ExponentialLR(tf.train.sgd(0.2), { gamma: 0.9 }), 3), [0.2, 0.18, 0.162, 0.1458]);
  close(sequence(new LambdaLR(tf.train.sgd(0.5), { lrLambda: (e) => 1 / (e + 1) }), 3), [0.5, 0.25, 0.5 / 3, 0.125]);
});

test("CosineAnnealingLR follows the closed form", () => {
  const s = new CosineAnnealingLR(tf.train.sgd(0.1), { tMax: 4, etaMin: 0.01 });
  const expected = [0, 1, 2, 3, 4, 5].map((t) => 0.01 + (0.1 - 0.01) * (1 + Math.cos((Math.PI * t) / 4)) / 2);
  close(sequence(s, 5), expected);
  // hand values: t=2 is the midpoint 0.055, t=4 reaches etaMin
  assert.ok(Math.abs(expected[2] - 0.055) < 1e-15 && Math.abs(expected[4] - 0.01) < 1e-15);
});

test("OneCycleLR: cosine warm-up to maxLr over pctStart, then down to initial/finalDivFactor", () => {
  const opt = tf.train.momentum(0.5, 0.9);
  const s = new OneCycleLR(opt, { maxLr: 1, totalSteps: 10, pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4 });
  const initial = 1 / 25;
  const min = initial / 1e4;
  const cos = (a: number, b: number, p: number) => b + ((a - b) / 2) * (Math.cos(Math.PI * p) + 1);
  // phase 1 ends at step 0.3*10-1 = 2; phase 2 ends at 9
  const expected = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((t) => (t <= 2 ? cos(initial, 1, t / 2) : cos(1, min, (t - 2) / 7)));
  close(sequence(s, 9), expected, 1e-12);
  assert.equal(expected[2], 1);
  // momentum cycles inversely: 0.95 → 0.85 at the peak
  assert.ok(Math.abs((opt as any).momentum - cos(0.85, 0.95, 1)) < 1e-12);
  s.step(); // step 10 = totalSteps is allowed
  assert.throws(() => s.step(), /tried to step 11 times/);
  // three phases + linear
  const s3 = new OneCycleLR(tf.train.sgd(1), { maxLr: 1, totalSteps: 10, threePhase: true, annealStrategy: "linear" });
  const lin = (a: number, b: number, p: number) => (b - a) * p + a;
  const e3 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((t) =>
    t <= 2 ? lin(initial, 1, t / 2) : t <= 4 ? lin(1, initial, (t - 2) / 2) : lin(initial, min, (t - 4) / 5));
  close(sequence(s3, 9), e3, 1e-12);
});

test("ReduceLROnPlateau: patience, threshold (rel/abs), cooldown, minLr", () => {
  // patience 1: reduce after 2 bad epochs; cooldown 1 skips counting for one epoch after a reduction.
  const s = new ReduceLROnPlateau(tf.train.sgd(1), { patience: 1, factor: 0.5, cooldown: 1, threshold: 0.1 });
  const metrics = [10, 9.5, 9.2, 9.1, 9.0, 8.0, 8.0, 8.0, 8.0];
  // 10 best; 9.5 not < 10*0.9=9 → bad1; 9.2 bad2 → reduce 0.5, cooldown=1; 9.1: bad(1) then cooldown→0, bad=0;
  // 9.0 not < 9 → bad1; 8.0 < 9 → best; 8.0 bad1; 8.0 bad2 → reduce 0.25, cooldown; 8.0 bad then reset by cooldown
  close(sequence(s, metrics.length, metrics), [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25]);
  assert.equal(s.best, 8);
  const abs = new ReduceLROnPlateau(tf.train.sgd(1), { mode: "max", patience: 0, thresholdMode: "abs", threshold: 1, minLr: 0.3, factor: 0.5 });
  // max/abs: improvement needs a > best + 1
  close(sequence(abs, 4, [1, 1.5, 3, 3]), [1, 1, 0.5, 0.5, 0.3]);
  assert.throws(() => abs.step(), /needs the monitored value/);
  // state round trip
  const copy = new ReduceLROnPlateau(tf.train.sgd(1), { patience: 1, factor: 0.5, cooldown: 1, threshold: 0.1 });
  copy.loadStateDict(s.stateDict());
  assert.equal(copy.best, 8);
  assert.equal(copy.getLastLr()[0], 0.25);
});

test("the trainer steps schedulers (epoch and step interval) and ReduceLROnPlateau with its monitor", async () => {
  const { train, val } = loaders(false);
  const m = new Regressor(8, 0.1, (opt) => ({ scheduler: new StepLR(opt, { stepSize: 1, gamma: 0.5 }), interval: "step" }));
  const t = quietTrainer({ maxEpochs: 2, numSanityValSteps: 0 });
  await t.fit(m, train, val);
  assert.equal(t.globalStep, 8);
  assert.ok(Math.abs((t.optimizers[0] as any).learningRate - 0.1 * 0.5 ** 8) < 1e-15);

  class Flat extends Regressor {
    onTrainEpochEnd() {
      this.log("flat", 1);
    }
  }
  const p = new Flat(8, 0.1, (opt) => ({ scheduler: new ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 }), monitor: "flat" }));
  const t2 = quietTrainer({ maxEpochs: 3, numSanityValSteps: 0 });
  await t2.fit(p, train, val);
  // "flat" never improves after epoch 0: with patience 0 the rate halves after epochs 1 and 2.
  assert.ok(Math.abs((t2.optimizers[0] as any).learningRate - 0.025) < 1e-12, String((t2.optimizers[0] as any).learningRate));
});

test("manual mode: this.lrSchedulers() is stepped by hand, never by the trainer", async () => {
  const { train } = loaders(false);
  class Manual extends Regressor {
    constructor() {
      super(8, 0.1, (opt) => new ExponentialLR(opt, { gamma: 0.5 }));
      this.automaticOptimization = false;
    }
    override trainingStep(b: any): unknown {
      const opt = this.optimizers();
      this.manualBackward(() => this.lossOf(b));
      opt.step();
      opt.zeroGrad();
      if (this.trainer.isLastBatch) this.lrSchedulers()!.step();
      return undefined;
    }
  }
  const m = new Manual();
  await quietTrainer({ maxEpochs: 2 }).fit(m, train);
  assert.ok(Math.abs((m.trainer.optimizers[0] as any).learningRate - 0.025) < 1e-15);
});

test("a scheduler created for an optimizer configureOptimizers did not return is an error", async () => {
  const { train } = loaders(false);
  class Bad extends LightningModule {
    w = tf.variable(tf.scalar(1));
    trainingStep(b: any) {
      return tf.mean(tf.mul(this.w, b.x));
    }
    configureOptimizers(): any {
      return { optimizer: tf.train.sgd(0.1), lrScheduler: new StepLR(tf.train.sgd(0.1), { stepSize: 1 }) };
    }
  }
  await assert.rejects(quietTrainer({ maxEpochs: 1 }).fit(new Bad(), train), (e: Error) => {
    assert.ok(e instanceof MisconfigurationError);
    assert.match(e.message, /StepLR\) was created for an optimizer that configureOptimizers did not return/);
    return true;
  });
});
