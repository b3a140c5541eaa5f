/**
 * Spec §7 D: `this.log` (cases 41–60). Documented deviation: logged values are plain numbers in all three metric dicts
 * (Lightning keeps 0-d tensors in callbackMetrics/loggedMetrics).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Callback, StepLR, type LogOptions, type Logger, type LightningModule, type Trainer } from "../../kernel";
import {
  useTestBackend, makeTrainer, loader, OneVar, ManualOneVar, captureWarnings, rejection, valueOf, tf, type Batch,
} from "./setup";

useTestBackend();

/** An automatic module whose trainingStep calls `body(this, batch, i)` and returns the loss. */
function logging(body: (m: OneVar, batch: Batch, i: number) => void) {
  return new (class extends OneVar {
    trainingStep(batch: Batch, i: number): unknown {
      body(this, batch, i);
      return this.lossOf(batch);
    }
  })();
}

class MockLogger implements Logger {
  calls: [Record<string, number>, number][] = [];
  finalized: string[] = [];
  logMetrics(metrics: Record<string, number>, step: number) {
    this.calls.push([{ ...metrics }, step]);
  }
  finalize(status: "success" | "failed") {
    this.finalized.push(status);
  }
}

const keys = (d: Record<string, unknown>) => Object.keys(d).sort();

describe("D. logging", () => {
  test("case 41: default trainingStep logging is step-only: logged and callback hold the last value, no pbar", async () => {
    const m = logging((m, b) => m.log("a", b.x));
    const trainer = makeTrainer();
    await trainer.fit(m, loader());
    assert.deepEqual(trainer.loggedMetrics, { a: 4 });
    assert.deepEqual(trainer.callbackMetrics, { a: 4 });
    assert.deepEqual(trainer.progressBarMetrics, {});
  });

  test("case 42: onStep+onEpoch forks into a_step/a_epoch (plain numbers in all three dicts)", async () => {
    const m = logging((m, b) => m.log("a", b.x, { onStep: true, onEpoch: true, progBar: true }));
    const trainer = makeTrainer();
    await trainer.fit(m, loader());
    assert.deepEqual(trainer.loggedMetrics, { a_step: 4, a_epoch: 2.5 });
    assert.deepEqual(trainer.callbackMetrics, { a: 2.5, a_step: 4, a_epoch: 2.5 });
    assert.deepEqual(trainer.progressBarMetrics, { a_step: 4, a_epoch: 2.5 });
  });

  test("step values reach the three dicts before the next batch, whether or not a logger takes that step", async () => {
    // With logEveryNSteps 50 no batch is a logger step (the values go straight into the dicts); with 1 every batch is.
    const seen = async (logEveryNSteps: number) => {
      const records: Record<string, number>[][] = [];
      const spy = new (class extends Callback {
        onTrainBatchStart(t: Trainer) {
          records.push([t.callbackMetrics, t.loggedMetrics, t.progressBarMetrics]);
        }
      })();
      const logger = new MockLogger();
      const m = logging((m, b) => m.log("a", b.x, { onStep: true, onEpoch: true, progBar: true }));
      await captureWarnings(() => makeTrainer({ logger, logEveryNSteps, callbacks: [spy] }).fit(m, loader()));
      return { records, loggerSteps: logger.calls.length };
    };
    const direct = await seen(50);
    const viaLogger = await seen(1);
    assert.equal(direct.loggerSteps, 1, "only the epoch-end call");
    assert.equal(viaLogger.loggerSteps, 5, "four step calls and the epoch-end call");
    assert.deepEqual(direct.records[0], [{}, {}, {}]);
    for (const i of [1, 2, 3]) {
      assert.deepEqual(direct.records[i], [{ a: i, a_step: i }, { a_step: i }, { a_step: i }], `before batch ${i}`);
    }
    assert.deepEqual(viaLogger.records, direct.records);
  });

  test("case 43: test__training_step__log key sets (2 batches, 2 epochs)", async () => {
    const m = logging((m, b) => {
      const v = b.x;
      m.log("default", v);
      m.log("l_s", v, { onStep: true, onEpoch: false, progBar: false, logger: true });
      m.log("l_e", v, { onStep: false, onEpoch: true, progBar: false, logger: true });
      m.log("l_se", v, { onStep: true, onEpoch: true, progBar: false, logger: true });
      m.log("p_s", v, { onStep: true, onEpoch: false, progBar: true, logger: false });
      m.log("p_e", v, { onStep: false, onEpoch: true, progBar: true, logger: false });
      m.log("p_se", v, { onStep: true, onEpoch: true, progBar: true, logger: false });
    });
    const trainer = makeTrainer({ maxEpochs: 2, logger: new MockLogger() });
    await captureWarnings(() => trainer.fit(m, loader(2)));
    const logged = ["default", "l_e", "l_s", "l_se_epoch", "l_se_step"];
    const pbar = ["p_e", "p_s", "p_se_epoch", "p_se_step"];
    assert.deepEqual(keys(trainer.loggedMetrics), logged);
    assert.deepEqual(keys(trainer.progressBarMetrics), pbar);
    assert.deepEqual(keys(trainer.callbackMetrics), [...logged, ...pbar, "p_se", "l_se"].sort());
  });

  test("case 44: epoch means are weighted by the inferred batch size; an explicit batchSize overrides it", async () => {
    async function run(opts: LogOptions) {
      const m = logging((m, _b, i) => m.log("x", i === 0 ? 1 : 6, { onEpoch: true, onStep: false, ...opts }));
      const trainer = makeTrainer();
      await trainer.fit(m, [{ x: tf.ones([2, 1]) }, { x: tf.ones([3, 1]) }]);
      return trainer.callbackMetrics.x;
    }
    assert.equal(await run({}), 4);
    assert.equal(await run({ batchSize: 1 }), 3.5);
  });

  test("case 45: reduceFx min / max / avg / SUM", async () => {
    async function run(reduceFx: string, n: number) {
      const m = logging((m, _b, i) => m.log("v", i, { onStep: false, onEpoch: true, reduceFx }));
      const trainer = makeTrainer();
      await trainer.fit(m, loader(n));
      return trainer.callbackMetrics.v;
    }
    assert.equal(await run("min", 3), 0);
    assert.equal(await run("max", 3), 2);
    assert.equal(await run("avg", 5), 2);
    assert.equal(await run("SUM", 5), 10);
  });

  test("case 46: a multi-element tensor is rejected; a one-element tensor is squeezed (stored as a plain number)", async () => {
    const bad = logging((m) => m.log("a", tf.tensor([1, 2])));
    const err = await rejection(makeTrainer().fit(bad, loader()));
    assert.match(err.message, /the tensor must have a single element/);
    const ok = logging((m) => m.log("a", tf.tensor([1.2])));
    const trainer = makeTrainer();
    await trainer.fit(ok, loader());
    assert.equal(typeof trainer.callbackMetrics.a, "number");
    assert.ok(Math.abs(trainer.callbackMetrics.a - 1.2) < 1e-6);
  });

  test("case 47: unsupported values and nested dicts are rejected", async () => {
    for (const value of [null, "foo", [1, 2, 3], { a: 1 }]) {
      const m = logging((m) => m.log("foo", value as any));
      const err = await rejection(makeTrainer().fit(m, loader()));
      assert.match(err.message, /self\.log\(foo, .*\)` was called/, `value ${JSON.stringify(value)}`);
    }
    const nested = logging((m) => m.log("foo", { a: { b: 1 } } as any));
    const err = await rejection(makeTrainer().fit(nested, loader()));
    assert.match(err.message, /nested dictionaries cannot be logged/);
  });

  test("case 48: onStep false and onEpoch false is not useful", async () => {
    const m = logging((m) => m.log("a", 1, { onStep: false, onEpoch: false }));
    const err = await rejection(makeTrainer().fit(m, loader()));
    assert.match(err.message, /is not useful/);
  });

  test("case 49: per-hook levels and forbidden hooks", async () => {
    const epochEnd = new (class extends OneVar {
      onTrainEpochEnd() {
        this.log("a", 1, { onStep: true });
      }
    })();
    const err = await rejection(makeTrainer().fit(epochEnd, loader()));
    assert.match(err.message, /must be one of \(False,\)/);
    const hooks = ["setup", "configureOptimizers", "onFitStart", "onTrainEnd", "onValidationEnd", "lrSchedulerStep"];
    for (const hook of hooks) {
      const m = new (class extends OneVar {
        validationStep(batch: Batch) {
          return this.lossOf(batch);
        }
        configureOptimizers() {
          if (hook === "configureOptimizers") this.log("a", 1);
          const optimizer = tf.train.sgd(0.1);
          return { optimizer, lrScheduler: new StepLR(optimizer, { stepSize: 1 }) };
        }
      })();
      if (hook !== "configureOptimizers") {
        const base = (m as any)[hook];
        (m as any)[hook] = function (this: LightningModule, ...args: unknown[]) {
          this.log("a", 1);
          return base?.apply(this, args);
        };
      }
      const trainer = makeTrainer({ limitValBatches: 1, numSanityValSteps: 0 });
      const e = await rejection(trainer.fit(m, loader(), loader(1)));
      assert.match(e.message, new RegExp(`You can't \`self\\.log\\(\\)\` inside \`${hook}\``), hook);
    }
  });

  test("case 50: logging one name twice with different options (hook named in camelCase: `trainingStep`)", async () => {
    const m = logging((m) => {
      m.log("foo", 1, { progBar: false });
      m.log("foo", 1, { progBar: true });
    });
    const err = await rejection(makeTrainer().fit(m, loader()));
    assert.match(err.message, /twice in `trainingStep` with different arguments/);
  });

  test("case 51: callbacks log through this.log under their hook's rules", async () => {
    class L extends Callback {
      onTrainStart() {
        this.log("on_train_start", 1);
      }
      onTrainEpochStart() {
        this.log("on_train_epoch_start", 2);
      }
      onTrainBatchEnd() {
        this.log("on_train_batch_end", 3);
      }
      onTrainEpochEnd() {
        this.log("on_train_epoch_end", 5);
      }
    }
    const trainer = makeTrainer({ callbacks: [new L()] });
    await trainer.fit(new OneVar(), loader(1));
    assert.deepEqual(trainer.callbackMetrics, { on_train_start: 1, on_train_epoch_start: 2, on_train_batch_end: 3, on_train_epoch_end: 5 });
  });

  test("case 52: logger calls (metrics, step) with logEveryNSteps 1 over 2 batches × 2 epochs", async () => {
    const logger = new MockLogger();
    const m = logging((m) => m.log("foo", 0, { onStep: true, onEpoch: true }));
    await makeTrainer({ maxEpochs: 2, logger, logEveryNSteps: 1 }).fit(m, loader(2));
    assert.deepEqual(logger.calls, [
      [{ foo_step: 0, epoch: 0 }, 0],
      [{ foo_step: 0, epoch: 0 }, 1],
      [{ foo_epoch: 0, epoch: 0 }, 1],
      [{ foo_step: 0, epoch: 1 }, 2],
      [{ foo_step: 0, epoch: 1 }, 3],
      [{ foo_epoch: 0, epoch: 1 }, 3],
    ]);
  });

  test("case 53: default logEveryNSteps with 4 batches: only the epoch call, a warning, and loggedMetrics still updated", async () => {
    const logger = new MockLogger();
    const m = logging((m, b) => m.log("a", b.x, { onStep: true, onEpoch: true }));
    const trainer = makeTrainer({ logger });
    const { warnings } = await captureWarnings(() => trainer.fit(m, loader()));
    assert.deepEqual(logger.calls, [[{ a_epoch: 2.5, epoch: 0 }, 3]]);
    assert.equal(trainer.loggedMetrics.a_step, 4);
    assert.ok(warnings.some((w) => w.includes("smaller than the logging interval")));
    const stepOnly = new MockLogger();
    await captureWarnings(() => makeTrainer({ logger: stepOnly }).fit(logging((m, b) => m.log("a", b.x)), loader()));
    assert.deepEqual(stepOnly.calls, [], "an empty epoch dict is never sent");
  });

  test("case 54: logger: true without a logger warns; a logged 'epoch' stays in loggedMetrics", async () => {
    const m = logging((m, _b, i) => m.log("epoch", -i, { logger: true }));
    const trainer = makeTrainer();
    const { warnings } = await captureWarnings(() => trainer.fit(m, loader(2)));
    assert.ok(warnings.some((w) => w.includes("have no logger configured")));
    assert.deepEqual(trainer.loggedMetrics, { epoch: -1 });
  });

  test("case 55: sanity-check metrics never survive", async () => {
    const atBatch0: Record<string, number>[] = [];
    const m = new (class extends OneVar {
      validationStep(batch: Batch) {
        if (this.trainer.sanityChecking) this.log("val_loss", this.lossOf(batch), { progBar: true });
      }
      trainingStep(batch: Batch, i: number) {
        if (i === 0) atBatch0.push(this.trainer.callbackMetrics, this.trainer.loggedMetrics, this.trainer.progressBarMetrics);
        return this.lossOf(batch);
      }
    })();
    const trainer = makeTrainer({ numSanityValSteps: 2, limitValBatches: 2 });
    await trainer.fit(m, loader(), loader(2));
    assert.deepEqual(atBatch0, [{}, {}, {}]);
    assert.ok(!("val_loss" in trainer.progressBarMetrics));
  });

  test("case 56: onTrainEpochEnd's value wins over trainingStep's for the same name; earlier epoch keys persist", async () => {
    const atEpochStart: Record<string, number>[] = [];
    const m = new (class extends OneVar {
      trainingStep(batch: Batch) {
        this.log("shared", 100, { progBar: true });
        return this.lossOf(batch);
      }
      onTrainEpochStart() {
        atEpochStart.push(this.trainer.progressBarMetrics);
      }
      onTrainEpochEnd() {
        this.log("shared", 111, { progBar: true });
        this.log(`epoch_metric_${this.trainer.currentEpoch}`, 1, { progBar: true });
      }
    })();
    const trainer = makeTrainer({ maxEpochs: 3 });
    await trainer.fit(m, loader(2));
    assert.equal(atEpochStart[1].shared, 111);
    assert.equal(atEpochStart[2].shared, 111);
    assert.equal(trainer.progressBarMetrics.shared, 111);
    for (const k of ["epoch_metric_0", "epoch_metric_1", "epoch_metric_2"]) assert.ok(k in trainer.progressBarMetrics, k);
  });

  test("case 57: manual, onEpoch logging in trainingStep forks into a_step/a_epoch", async () => {
    const m = new (class extends ManualOneVar {
      trainingStep(batch: Batch) {
        const opt = this.optimizers();
        opt.zeroGrad();
        const loss = this.manualBackward(() => this.lossOf(batch));
        opt.step();
        this.log("a", loss, { onEpoch: true });
      }
    })();
    const trainer = makeTrainer();
    await trainer.fit(m, loader());
    assert.deepEqual(keys(trainer.loggedMetrics), ["a_epoch", "a_step"]);
  });

  test("case 58: manual, logging inside the opt.step closure (trainingStep's rules)", async () => {
    const losses: number[] = [];
    const m = new (class extends ManualOneVar {
      last: tf.Tensor | null = null;
      trainingStep(batch: Batch) {
        const opt = this.optimizers();
        opt.step(() => {
          opt.zeroGrad();
          const l = this.manualBackward(() => this.lossOf(batch));
          this.log("train_loss", l, { onStep: true, onEpoch: true, progBar: true });
          this.last = l;
        });
      }
      async onTrainBatchEnd() {
        losses.push(await valueOf(this.last!));
      }
    })();
    const trainer = makeTrainer();
    await trainer.fit(m, loader());
    const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
    assert.ok(Math.abs(trainer.progressBarMetrics.train_loss_step - losses[3]) < 1e-5);
    assert.ok(Math.abs(trainer.progressBarMetrics.train_loss_epoch - mean) < 1e-5);
  });

  test("case 59: this.log on a module without a trainer only warns", async () => {
    const m = new OneVar();
    const { warnings } = await captureWarnings(async () => m.log("a", 1));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /not attached to a running Trainer/);
  });

  test("case 60: validation step metrics reach loggedMetrics, but only epoch-level ones reach callbackMetrics", async () => {
    const m = new (class extends OneVar {
      trainingStep(batch: Batch) {
        this.log("a", batch.x, { onStep: true, onEpoch: true });
        this.log("a2", batch.x);
        return this.lossOf(batch);
      }
      validationStep(batch: Batch) {
        this.log("b", batch.x, { onStep: true, onEpoch: true });
        this.log("c", batch.x, { onStep: true, onEpoch: false });
      }
    })();
    const trainer = makeTrainer({ limitValBatches: 2 });
    await trainer.fit(m, loader(), loader(2));
    assert.deepEqual(keys(trainer.loggedMetrics), ["a2", "a_epoch", "a_step", "b_epoch", "b_step", "c"]);
    assert.deepEqual(keys(trainer.callbackMetrics), ["a", "a2", "a_epoch", "a_step", "b", "b_epoch"]);
  });
});

