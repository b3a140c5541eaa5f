/** Spec §7 B: hook order (cases 15–24). Orders are ENTRY orders, recorded with `trainer.hookObservers`. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Callback, StepLR, type HookEvent } from "../../kernel";
import {
  useTestBackend, makeTrainer, loader, OneVar, ManualOneVar, R, spyHooks, recordOrder, rejection, tf, type Batch,
} from "./setup";

useTestBackend();

const TRANSFER = ["onBeforeBatchTransfer", "transferBatchToDevice", "onAfterBatchTransfer"];

/** The slice of `log` from the first `from` to the first `to` after it (inclusive). */
function between(log: string[], from: string, to: string, start = 0): string[] {
  const a = log.indexOf(from, start);
  const b = log.indexOf(to, a);
  assert.ok(a >= 0 && b >= 0, `${from} … ${to} in ${log.join(", ")}`);
  return log.slice(a, b + 1);
}

function withScheduler(optimizer: tf.Optimizer) {
  return { optimizer, lrScheduler: new StepLR(optimizer, { stepSize: 1, gamma: 0.5 }) };
}

describe("B. hook order", () => {
  test("case 15: manual batch entry order (transfer hooks, backward hooks, closure, onBeforeOptimizerStep)", async () => {
    const trainer = makeTrainer({ callbacks: [new R()] });
    const { log } = recordOrder(trainer);
    const m = spyHooks(new (class extends ManualOneVar {
      trainingStep(batch: Batch) {
        const opt = this.optimizers();
        opt.zeroGrad();
        this.manualBackward(() => this.lossOf(batch));
        opt.step(() => log.push("closure"));
      }
    })());
    await trainer.fit(m, loader(1));
    assert.deepEqual(between(log, "onBeforeBatchTransfer", "onTrainBatchEnd"), [
      ...TRANSFER, "R.onTrainBatchStart", "onTrainBatchStart", "trainingStep",
      "R.onBeforeBackward", "onBeforeBackward", "backward", "R.onAfterBackward", "onAfterBackward",
      "closure", "R.onBeforeOptimizerStep", "onBeforeOptimizerStep", "R.onTrainBatchEnd", "onTrainBatchEnd",
    ]);
  });

  test("case 16: manual fit never calls zero-grad/step/clipping/scheduler hooks; lr unchanged", async () => {
    const m = spyHooks(new (class extends ManualOneVar {
      configureOptimizers() {
        return withScheduler(tf.train.sgd(0.1));
      }
    })());
    const trainer = makeTrainer({ callbacks: [new R()], maxEpochs: 2 });
    const { log } = recordOrder(trainer);
    await trainer.fit(m, loader());
    for (const hook of ["onBeforeZeroGrad", "R.onBeforeZeroGrad", "optimizerZeroGrad", "optimizerStep",
      "configureGradientClipping", "lrSchedulerStep"]) {
      assert.equal(log.filter((h) => h === hook).length, 0, hook);
    }
    assert.equal((trainer.optimizers[0] as any).learningRate, 0.1);
    assert.equal(trainer.globalStep, 8);
  });

  test("case 17: automatic batch entry order (optimizerStep wraps trainingStep, zero-grad, backward, clipping)", async () => {
    const trainer = makeTrainer({ callbacks: [new R()] });
    const { log, events } = recordOrder(trainer);
    const m = spyHooks(new (class extends OneVar {
      clipGradients(opt: any, o: any) {
        log.push("clipGradients");
        events.push("clipGradients");
        return super.clipGradients(opt, o);
      }
    })());
    await trainer.fit(m, loader(1));
    assert.deepEqual(between(log, "onBeforeBatchTransfer", "onTrainBatchEnd"), [
      ...TRANSFER, "R.onTrainBatchStart", "onTrainBatchStart", "optimizerStep", "trainingStep",
      "R.onBeforeZeroGrad", "onBeforeZeroGrad", "optimizerZeroGrad",
      "R.onBeforeBackward", "onBeforeBackward", "backward", "R.onAfterBackward", "onAfterBackward",
      "R.onBeforeOptimizerStep", "onBeforeOptimizerStep", "configureGradientClipping", "clipGradients",
      "R.onTrainBatchEnd", "onTrainBatchEnd",
    ]);
    const ev = (hook: string) => events.find((e): e is HookEvent => typeof e !== "string" && e.hook === hook && e.target === "module")!;
    const [epoch, idx, stepOpt, closure] = ev("optimizerStep").args;
    assert.deepEqual([epoch, idx, typeof closure], [0, 0, "function"]);
    assert.deepEqual(ev("optimizerZeroGrad").args, [0, 0, stepOpt]);
    const [clipOpt, clipVal, clipAlgo] = ev("configureGradientClipping").args;
    assert.equal(clipOpt, stepOpt);
    assert.equal(clipVal ?? null, null);
    assert.equal(clipAlgo ?? null, null);
  });

  test("case 18: epoch-interval lrSchedulerStep(scheduler, null) once per epoch, after the last optimizerStep, before onTrainBatchEnd", async () => {
    const m = spyHooks(new (class extends OneVar {
      configureOptimizers() {
        return withScheduler(tf.train.sgd(0.1));
      }
    })());
    const trainer = makeTrainer({ callbacks: [new R()], maxEpochs: 2 });
    const { log, events } = recordOrder(trainer);
    await trainer.fit(m, loader(2));
    const sched = events.filter((e): e is HookEvent => typeof e !== "string" && e.hook === "lrSchedulerStep");
    assert.equal(sched.length, 2);
    for (const e of sched) {
      assert.equal(e.args[0], trainer.lrSchedulerConfigs[0].scheduler);
      assert.equal(e.args[1], null);
    }
    const batchStarts = log.flatMap((h, i) => (h === "onTrainBatchStart" ? [i] : []));
    for (const epochStart of [batchStarts[1], batchStarts[3]]) {
      const s = log.indexOf("lrSchedulerStep", epochStart);
      assert.ok(log.indexOf("optimizerStep", epochStart) < s, "after optimizerStep of batch 1");
      assert.ok(s < log.indexOf("R.onTrainBatchEnd", epochStart), "before onTrainBatchEnd of batch 1");
    }
  });

  test("case 19: full fit entry order (sanity check, train, in-epoch validation, teardown)", async () => {
    const m = spyHooks(new (class extends OneVar {
      trainDataloader() {
        return loader(2);
      }
      valDataloader() {
        return loader(2);
      }
      validationStep(batch: Batch) {
        return this.lossOf(batch);
      }
    })());
    const trainer = makeTrainer({ callbacks: [new R()], limitValBatches: 2 });
    const { log } = recordOrder(trainer);
    await trainer.fit(m);
    const valBatch = [...TRANSFER, "R.onValidationBatchStart", "onValidationBatchStart", "validationStep",
      "R.onValidationBatchEnd", "onValidationBatchEnd"];
    const valRun = ["onValidationModelEval", "R.onValidationStart", "onValidationStart", "R.onValidationEpochStart",
      "onValidationEpochStart", ...valBatch, ...valBatch, "R.onValidationEpochEnd", "onValidationEpochEnd",
      "R.onValidationEnd", "onValidationEnd"];
    const trainBatch = [...TRANSFER, "R.onTrainBatchStart", "onTrainBatchStart", "optimizerStep", "trainingStep",
      "R.onBeforeZeroGrad", "onBeforeZeroGrad", "optimizerZeroGrad", "R.onBeforeBackward", "onBeforeBackward",
      "backward", "R.onAfterBackward", "onAfterBackward", "R.onBeforeOptimizerStep", "onBeforeOptimizerStep",
      "configureGradientClipping", "R.onTrainBatchEnd", "onTrainBatchEnd"];
    assert.deepEqual(log, [
      "configureCallbacks", "prepareData", "R.setup", "setup", "configureModel", "configureOptimizers",
      "R.onFitStart", "onFitStart",
      "R.onSanityCheckStart", "valDataloader", ...valRun, "R.onSanityCheckEnd",
      "trainDataloader", "R.onTrainStart", "onTrainStart", "R.onTrainEpochStart", "onTrainEpochStart",
      ...trainBatch, ...trainBatch,
      "onValidationModelZeroGrad", ...valRun,
      "R.onTrainEpochEnd", "onTrainEpochEnd", "R.onTrainEnd", "onTrainEnd", "R.onFitEnd", "onFitEnd",
      "R.teardown", "teardown",
    ]);
  });

  test("case 20: callbacks run in order before the module; a monitoring callback's onTrainEpochEnd runs after it", async () => {
    class C1 extends Callback {}
    class C2 extends Callback {}
    class M extends Callback {
      readonly isMonitoring = true;
    }
    const trainer = makeTrainer({ callbacks: [new M(), new C1(), new C2()] });
    const { log } = recordOrder(trainer);
    await trainer.fit(spyHooks(new OneVar()), loader(1));
    const of = (hook: string) => log.filter((h) => h === hook || h.endsWith(`.${hook}`));
    assert.deepEqual(of("onTrainStart"), ["M.onTrainStart", "C1.onTrainStart", "C2.onTrainStart", "onTrainStart"]);
    assert.deepEqual(of("onTrainBatchEnd"), ["M.onTrainBatchEnd", "C1.onTrainBatchEnd", "C2.onTrainBatchEnd", "onTrainBatchEnd"]);
    assert.deepEqual(of("onTrainEpochEnd"), ["C1.onTrainEpochEnd", "C2.onTrainEpochEnd", "onTrainEpochEnd", "M.onTrainEpochEnd"]);
  });

  test("case 21: currentEpoch is 0 inside the first onTrainEpochEnd and 1 after a 1-epoch fit", async () => {
    const seen: number[] = [];
    const m = new (class extends OneVar {
      onTrainEpochEnd() {
        seen.push(this.trainer.currentEpoch);
      }
    })();
    const trainer = makeTrainer();
    await trainer.fit(m, loader());
    assert.deepEqual(seen, [0]);
    assert.equal(trainer.currentEpoch, 1);
  });

  test("case 22: manualBackward in automatic mode is an error", async () => {
    const m = new (class extends OneVar {
      trainingStep(batch: Batch) {
        this.manualBackward(() => this.lossOf(batch));
        return this.lossOf(batch);
      }
    })();
    const err = await rejection(makeTrainer().fit(m, loader()));
    assert.match(err.message, /to use manual_backward, please disable automatic optimization/);
  });

  test("case 23: opt.step(closure) runs the closure, then onBeforeOptimizerStep, and returns the closure's value", async () => {
    const log: string[] = [];
    const returned: unknown[] = [];
    const m = new (class extends ManualOneVar {
      trainingStep(batch: Batch) {
        const opt = this.optimizers();
        returned.push(opt.step(() => {
          log.push("c");
          this.manualBackward(() => this.lossOf(batch));
          return 42;
        }));
      }
      onBeforeOptimizerStep() {
        log.push("h");
      }
    })();
    await makeTrainer().fit(m, loader(1));
    assert.deepEqual(log, ["c", "h"]);
    assert.deepEqual(returned, [42]);
  });

  test("case 24: opt.step(42) is an error", async () => {
    const m = new (class extends ManualOneVar {
      trainingStep() {
        (this.optimizers() as any).step(42);
      }
    })();
    const err = await rejection(makeTrainer().fit(m, loader()));
    assert.match(err.message, /the closure should be callable/);
  });
});

