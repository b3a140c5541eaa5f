/**
 * Automatic optimization with LightningModule's own `configureGradientClipping`: the loop skips it when the Trainer has
 * no clip value (it would do nothing), but an overridden `clipGradients` is still called before every step with the
 * Trainer's values, and a Trainer clip value still clips. No hook observer here: that is the path the loop shortens.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { tf, LightningModule, Trainer, DataLoader } from "../../kernel";
import type { ClipOptions } from "../../kernel/trainer/optim/clip-gradients";
import type { LightningOptimizer } from "../../kernel/trainer/optim/lightning-optimizer";

before(async () => {
  await tf.setBackend("cpu");
});

/** One weight, loss 10·w (gradient 10), plain SGD with lr 1: the step moves w by the (clipped) gradient. */
class Linear extends LightningModule {
  w = tf.variable(tf.scalar(0));
  configureOptimizers() {
    return tf.train.sgd(1);
  }
  trainingStep() {
    return tf.mul(this.w, 10) as tf.Scalar;
  }
}

const fit = async (m: Linear, options: { gradientClipVal?: number } = {}) => {
  const trainer = new Trainer({ maxEpochs: 1, logger: false, enableProgressBar: false, enableCheckpointing: false, live: false, ...options });
  await trainer.fit(m, new DataLoader({ x: tf.zeros([2, 1]) }, { batchSize: 1 }));
  return (await m.w.data())[0];
};

test("an overridden clipGradients is called before every automatic step with the Trainer's (unset) values", async () => {
  const calls: ClipOptions[] = [];
  const m = new (class extends Linear {
    clipGradients(opt: LightningOptimizer, opts: ClipOptions = {}) {
      calls.push({ ...opts });
      super.clipGradients(opt, { gradientClipVal: 0.5 }); // the override clips by itself
    }
  })();
  const w = await fit(m);
  assert.equal(calls.length, 2, "once per step");
  for (const c of calls) assert.deepEqual([c.gradientClipVal ?? null, c.gradientClipAlgorithm ?? null], [null, null]);
  assert.ok(Math.abs(w - -1) < 1e-6, `two steps of the clipped gradient 0.5 each (w = ${w})`);
});

test("with the default hooks, a Trainer clip value clips and no clip value leaves the gradient whole", async () => {
  assert.ok(Math.abs((await fit(new Linear(), { gradientClipVal: 2 })) - -4) < 1e-6, "norm-clipped to 2, two steps");
  assert.ok(Math.abs((await fit(new Linear())) - -20) < 1e-6, "unclipped gradient 10, two steps");
});
