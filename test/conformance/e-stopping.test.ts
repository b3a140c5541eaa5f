/**
 * Spec §7 E: removed hooks, Trainer flags, stopping, interrupts, final state (cases 61–73).
 * Documented deviation (case 71): an interrupt follows Lightning 2.0–2.3 — `fit` resolves instead of raising
 * (Lightning ≥ 2.4 raises SystemExit(1)).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Callback, Trainer, TrainingInterrupted, NotImplementedError, requestInterrupt, type Logger } from "../../kernel";
import { useTestBackend, makeTrainer, loader, OneVar, R, captureWarnings, rejection, DEFAULTS, type Batch } from "./setup";

useTestBackend();

/** Counts trainingStep/validationStep calls (and those made while sanity checking). */
class Counting extends OneVar {
  steps = 0;
  valSteps = 0;
  sanitySteps = 0;
  valRuns: [number, number][] = [];
  trainingStep(batch: Batch, i: number): unknown {
    this.steps++;
    return super.trainingStep(batch, i);
  }
  validationStep(batch: Batch) {
    if (this.trainer.sanityChecking) this.sanitySteps++;
    else this.valSteps++;
    return this.lossOf(batch);
  }
  onValidationEpochStart() {
    if (!this.trainer.sanityChecking) this.valRuns.push([this.trainer.currentEpoch, this.trainer.globalStep]);
  }
}

describe("E. removed hooks, flags, stopping, interrupts", () => {
  test("case 61: trainingEpochEnd / validationEpochEnd are rejected before prepareData", async () => {
    for (const legacy of ["trainingEpochEnd", "validationEpochEnd"]) {
      let prepared = false;
      const m = new (class extends OneVar {
        prepareData() {
          prepared = true;
        }
      })();
      (m as any)[legacy] = () => undefined;
      const err = await rejection(makeTrainer().fit(m, loader()));
      assert.ok(err instanceof NotImplementedError, legacy);
      assert.match(err.message, /has been removed in v2\.0\.0/);
      assert.equal(prepared, false);
    }
  });

  test("case 62: maxEpochs defaults (null → 1000 with a warning; maxSteps → -1 without; -1 kept)", async () => {
    const { maxEpochs: _omit, ...noEpochs } = DEFAULTS;
    const seen: (number | null)[] = [];
    const stopAtStart = () => new (class extends OneVar {
      onTrainStart() {
        seen.push(this.trainer.maxEpochs);
        this.trainer.shouldStop = true;
      }
    })();
    const t1 = new Trainer(noEpochs);
    assert.equal(t1.maxEpochs, null);
    const r1 = await captureWarnings(() => t1.fit(stopAtStart(), loader()));
    assert.equal(seen[0], 1000);
    assert.ok(r1.warnings.some((w) => w.includes("`max_epochs` was not set")));
    const t2 = new Trainer({ ...noEpochs, maxSteps: 3 });
    const r2 = await captureWarnings(() => t2.fit(stopAtStart(), loader()));
    assert.equal(seen[1], -1);
    assert.ok(!r2.warnings.some((w) => w.includes("`max_epochs` was not set")));
    assert.equal(new Trainer({ ...noEpochs, maxEpochs: -1 }).maxEpochs, -1);
  });

  test("case 63: maxEpochs / maxSteps below -1 are rejected", () => {
    assert.throws(() => makeTrainer({ maxEpochs: -2 }), /must be a non-negative integer or -1/);
    assert.throws(() => makeTrainer({ maxSteps: -2 }), /must be a non-negative integer or -1/);
  });

  test("case 64: maxEpochs 0 / limitTrainBatches 0 skip training but run onFitStart/onFitEnd", async () => {
    for (const opts of [{ maxEpochs: 0 }, { limitTrainBatches: 0 }]) {
      const r = new R();
      const m = new Counting();
      const trainer = makeTrainer({ callbacks: [r], ...opts });
      await trainer.fit(m, loader());
      assert.equal(m.steps, 0);
      assert.equal(r.count("onTrainStart"), 0);
      assert.equal(r.count("onFitStart"), 1);
      assert.equal(r.count("onFitEnd"), 1);
      assert.equal(trainer.state.status, "finished");
    }
  });

  test("case 65: limitTrainBatches 0.5 of 64 → 32 steps; 7 → 7", async () => {
    for (const [limit, expected] of [[0.5, 32], [7, 7]]) {
      const m = new Counting();
      await makeTrainer({ limitTrainBatches: limit }).fit(m, loader(64));
      assert.equal(m.steps, expected, `limitTrainBatches ${limit}`);
    }
  });

  test("case 66: valCheckInterval 0.25 → 4 validations per epoch; an int above the batch count is rejected unless validation is off", async () => {
    const m = new Counting();
    await makeTrainer({ valCheckInterval: 0.25, maxEpochs: 2, limitValBatches: 1 }).fit(m, loader(64), loader(1));
    assert.equal(m.valRuns.length, 8);
    const err = await rejection(
      makeTrainer({ valCheckInterval: 100, limitTrainBatches: 10, limitValBatches: 1 }).fit(new Counting(), loader(64), loader(1)));
    assert.match(err.message, /must be less than or equal to the number of the training batches/);
    const t = makeTrainer({ valCheckInterval: 100, limitTrainBatches: 10, limitValBatches: 0 });
    await t.fit(new Counting(), loader(64), loader(1));
    assert.equal(t.state.status, "finished");
  });

  test("case 67: checkValEveryNEpoch 2 over 4 epochs validates after epochs 1 and 3", async () => {
    const m = new Counting();
    await makeTrainer({ checkValEveryNEpoch: 2, maxEpochs: 4, limitValBatches: 2, numSanityValSteps: 0 }).fit(m, loader(2), loader(2));
    assert.deepEqual(m.valRuns.map(([epoch]) => epoch), [1, 3]);
  });

  test("case 68: numSanityValSteps default 2, -1 = all, 0 = none (and no onSanityCheckStart)", async () => {
    for (const [steps, expected] of [[undefined, 2], [-1, 5], [0, 0]] as const) {
      const m = new Counting();
      const r = new R();
      await makeTrainer({ callbacks: [r], limitValBatches: undefined, numSanityValSteps: steps }).fit(m, loader(), loader(5));
      assert.equal(m.sanitySteps, expected, `numSanityValSteps ${steps}`);
      assert.equal(r.count("onSanityCheckStart"), expected === 0 ? 0 : 1);
    }
  });

  test("case 69: fastDevRun runs one train and one val batch, no sanity check, maxSteps = maxEpochs = 1", async () => {
    const m = new Counting();
    const r = new R();
    const trainer = makeTrainer({ callbacks: [r], fastDevRun: true, limitValBatches: undefined });
    await trainer.fit(m, loader(64), loader(64));
    assert.equal(m.steps, 1);
    assert.equal(m.valSteps, 1);
    assert.equal(m.sanitySteps, 0);
    assert.equal(r.count("onSanityCheckStart"), 0);
    assert.equal(trainer.maxSteps, 1);
    assert.equal(trainer.maxEpochs, 1);
    assert.equal(r.count("onTrainEpochEnd"), 1);
  });

  test("case 70: shouldStop in trainingStep at batch 4 of 10 finishes the batch, validates once, ends the epoch", async () => {
    const m = new (class extends Counting {
      trainingStep(batch: Batch, i: number): unknown {
        if (i === 4) this.trainer.shouldStop = true;
        return super.trainingStep(batch, i);
      }
    })();
    const trainer = makeTrainer({ limitValBatches: 1, maxEpochs: 3 });
    await trainer.fit(m, loader(10), loader(1));
    assert.equal(trainer.globalStep, 5);
    assert.deepEqual(m.valRuns, [[0, 5]]);
    assert.equal(trainer.currentEpoch, 1);
  });

  test("case 71: an interrupt resolves fit (Lightning 2.0–2.3 behaviour), interrupted, onException got it, no end hooks", async () => {
    const ways: [string, (t: Trainer) => void][] = [
      ["a TrainingInterrupted thrown from R.onTrainBatchStart", () => {
        throw new TrainingInterrupted();
      }],
      ["trainer.requestStop() in R.onTrainBatchStart", (t) => t.requestStop()],
      ["requestInterrupt() (the Jupyter SIGINT path) in R.onTrainBatchStart", () => void requestInterrupt()],
    ];
    for (const [how, interrupt] of ways) {
      const m = new (class extends Counting {
        ends: string[] = [];
        onTrainEnd() {
          this.ends.push("onTrainEnd");
        }
        onFitEnd() {
          this.ends.push("onFitEnd");
        }
        teardown() {
          this.ends.push("teardown");
        }
        testStep(batch: Batch) {
          return this.lossOf(batch);
        }
      })();
      class I extends Callback {
        onTrainBatchStart(t: Trainer, _m: unknown, _b: unknown, i: number) {
          if (i === 1) interrupt(t);
        }
      }
      const r2 = new R();
      const trainer = makeTrainer({ callbacks: [new I(), r2] });
      const result = await trainer.fit(m, loader());
      assert.equal(result, undefined, how);
      assert.equal(trainer.interrupted, true, how);
      assert.equal(trainer.state.status, "interrupted", how);
      assert.equal(r2.count("onException"), 1, how);
      assert.ok(r2.argsOf("onException")[0][0] instanceof TrainingInterrupted, how);
      assert.deepEqual(m.ends, [], how);
      assert.equal(r2.count("onTrainEnd") + r2.count("onFitEnd") + r2.count("teardown"), 0, how);
      if (how.startsWith("trainer.requestStop")) {
        // A later test() whose callback throws from onTestStart: still interrupted, onException gets it, it rethrows.
        const boom = new Error("boom in onTestStart");
        (r2 as any).onTestStart = () => {
          throw boom;
        };
        const err = await rejection(trainer.test(m, loader(1)));
        assert.equal(err, boom);
        assert.equal(trainer.interrupted, true);
        assert.equal(r2.argsOf("onException")[1][0], boom);
      }
    }
  });

  test("case 72: any other error rethrows the same object; onException once, stage null, logger finalize('failed') once", async () => {
    const boom = new Error("boom");
    const m = new (class extends OneVar {
      trainingStep() {
        throw boom;
      }
    })();
    const finalized: string[] = [];
    const logger: Logger = { logMetrics() {}, finalize: (s) => void finalized.push(s) };
    const r = new R();
    const trainer = makeTrainer({ callbacks: [r], logger });
    const err = await rejection(trainer.fit(m, loader()));
    assert.equal(err, boom);
    assert.equal(r.count("onException"), 1);
    assert.equal(trainer.state.stage, null);
    assert.deepEqual(finalized, ["failed"]);
  });

  test("case 73: a normal fit finishes with stage null and resolves to undefined", async () => {
    const trainer = makeTrainer();
    const result = await trainer.fit(new OneVar(), loader());
    assert.equal(result, undefined);
    assert.equal(trainer.state.status, "finished");
    assert.equal(trainer.state.stage, null);
    assert.equal(trainer.training, false);
  });
});

