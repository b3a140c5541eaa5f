/**
 * Issue 2's bad-input list: every message names the hook/option, the value and the fix; nothing is lost (the weights
 * are unchanged and the same Trainer fits a corrected module afterwards).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Trainer, type LightningModule } from "../../kernel";
import {
  useTestBackend, makeTrainer, loader, OneVar, ManualOneVar, rejection, values, valueOf, DEFAULTS, tf, type Batch,
} from "./setup";

useTestBackend();

/** Fits `m`, expects a rejection matching every pattern, checks the weights and that the trainer still works. */
async function expectBadInput(m: LightningModule, patterns: RegExp[], data: unknown = loader()): Promise<Error> {
  const trainer = makeTrainer();
  const weights = m.allVariables();
  const before = await Promise.all(weights.map(values));
  const err = await rejection(trainer.fit(m, data));
  for (const p of patterns) assert.match(err.message, p);
  assert.deepEqual(await Promise.all(weights.map(values)), before, "weights unchanged");
  const good = new OneVar();
  await trainer.fit(good, loader());
  assert.equal(trainer.state.status, "finished", "the same trainer is usable again");
  assert.notEqual(await valueOf(good.w), 1);
  return err;
}

/** An automatic module whose trainingStep runs `body` first. */
function stepDoing(body: (m: OneVar, batch: Batch) => unknown, manual = false) {
  const Base = manual ? ManualOneVar : OneVar;
  return new (class extends Base {
    trainingStep(batch: Batch, i: number): unknown {
      const r = body(this, batch);
      return r === undefined ? super.trainingStep(batch, i) : r;
    }
  })();
}

describe("bad input (issue 2)", () => {
  test("trainingStep returning an unsupported type", async () => {
    await expectBadInput(stepDoing(() => "loss"), [/`trainingStep`/, /"loss"/, /Return the loss tensor/]);
  });

  test("trainingStep returning {loss: 1.5}", async () => {
    await expectBadInput(stepDoing(() => ({ loss: 1.5 })), [/`trainingStep`/, /1\.5/, /must be a tf\.Tensor/, /Return the loss tensor/]);
  });

  test("log of a non-scalar tensor", async () => {
    await expectBadInput(stepDoing((m) => void m.log("a", tf.ones([2]))), [/self\.log\(a/, /shape \[2\]/, /trainingStep/, /tf\.mean/]);
  });

  test("log of a string", async () => {
    await expectBadInput(stepDoing((m) => void m.log("a", "x" as any)), [/self\.log\(a, "x"\)/, /trainingStep/, /accepts a number/]);
  });

  test("log of NaN is allowed and recorded", async () => {
    const trainer = makeTrainer();
    await trainer.fit(stepDoing((m) => void m.log("a", NaN)), loader());
    assert.ok(Number.isNaN(trainer.callbackMetrics.a));
  });

  test("log of a name colliding with a _step/_epoch key", async () => {
    await expectBadInput(stepDoing((m) => {
      m.log("a", 1, { onStep: true, onEpoch: true });
      m.log("a_step", 1);
    }), [/a_step/, /_step/, /Rename one of them/]);
  });

  test("log in a forbidden hook", async () => {
    const m = new (class extends OneVar {
      onFitStart() {
        this.log("a", 1);
      }
    })();
    await expectBadInput(m, [/inside `onFitStart`/, /Log from trainingStep/]);
  });

  test("optimizers() before the trainer attached it", async () => {
    assert.throws(() => new ManualOneVar().optimizers(), /optimizers\(\) was called before the Trainer attached optimizers to .*Call it from a hook/);
    const m = new (class extends ManualOneVar {
      setup() {
        this.optimizers();
      }
    })();
    await expectBadInput(m, [/optimizers\(\) was called before configureOptimizers ran/, /call it from trainingStep/]);
  });

  test("manualBackward given a tensor explains why TF.js needs a function", async () => {
    const m = stepDoing((m, b) => void m.manualBackward(m.lossOf(b) as any), true);
    await expectBadInput(m, [/manualBackward expects a function/, /an instance of Tensor/, /TF\.js keeps no autograd graph/,
      /this\.manualBackward\(\(\) => /]);
  });

  test("manualBackward whose loss is not a scalar", async () => {
    const m = stepDoing((m, b) => void m.manualBackward(() => tf.mul(m.w, tf.ones([2])) as any), true);
    await expectBadInput(m, [/manualBackward/, /shape \[2\]/, /must return a scalar/, /tf\.mean/]);
  });

  test("manualBackward whose loss depends on no trainable variable", async () => {
    const m = stepDoing(() => void 0, true);
    (m as any).trainingStep = function (this: ManualOneVar) {
      this.manualBackward(() => tf.scalar(3));
    };
    await expectBadInput(m, [/manualBackward/, /does not depend on any trainable variable/, /inside the function you pass/]);
  });

  test("configureOptimizers returning nothing", async () => {
    const m = new (class extends OneVar {
      configureOptimizers() {
        return undefined;
      }
    })();
    await expectBadInput(m, [/`configureOptimizers` returned undefined/, /Return a tf\.Optimizer/]);
  });

  test("configureOptimizers returning an unknown shape", async () => {
    const m = new (class extends OneVar {
      configureOptimizers() {
        return { opt: tf.train.sgd(0.1) } as any;
      }
    })();
    await expectBadInput(m, [/Unknown configuration for model optimizers/, /`configureOptimizers`/, /an object/, /Return a tf\.Optimizer/]);
  });

  test("params belonging to no module", async () => {
    const foreign = tf.variable(tf.scalar(1), true, "foreign_var");
    const m = new (class extends OneVar {
      configureOptimizers() {
        return { optimizer: tf.train.sgd(0.1), params: foreign };
      }
    })();
    await expectBadInput(m, [/`configureOptimizers`/, /belong to no property/, /foreign_var/, /Assign the model\/layer to a property/]);
    foreign.dispose();
  });

  test("an empty dataloader", async () => {
    await expectBadInput(new OneVar(), [/training dataloader is empty \(0 batches\)/, /Check the dataset size/], []);
  });

  test("a Trainer option with a wrong type", () => {
    assert.throws(() => new Trainer({ ...DEFAULTS, maxEpochs: "3" as any }), /maxEpochs.*must be an integer, got a string \("3"\)/);
    assert.throws(() => new Trainer({ ...DEFAULTS, enableProgressBar: 1 as any }), /enableProgressBar.*must be a boolean, got a number \(1\)/);
  });

  test("an unknown Trainer option suggests the nearest valid name", () => {
    assert.throws(() => new Trainer({ ...DEFAULTS, maxEpoch: 3 } as any), /unknown option "maxEpoch"\. Did you mean "maxEpochs"\?/);
    assert.throws(() => new Trainer({ ...DEFAULTS, max_epochs: 3 } as any), /Did you mean "maxEpochs"\?/);
  });
});
