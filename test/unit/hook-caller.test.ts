/**
 * HookCaller: synchronous hooks run without promises, async hooks keep Lightning's order (callbacks in order, then
 * the module) and stay recorded as the current hook until they settle; inherited no-op callback hooks are skipped
 * unless an observer records every call.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Callback, tf, LightningModule, Trainer, DataLoader } from "../../kernel";
import { HookCaller, type HookEvent } from "../../kernel/trainer/hook-caller";

const tick = () => new Promise((r) => setTimeout(r, 5));

test("sync hooks return without a promise; async ones keep callback-then-module order and the current hook", async () => {
  const seen: string[] = [];
  let caller!: HookCaller;
  class Slow extends Callback {
    async onTrainBatchStart() {
      seen.push(`slow:start:${caller.current}`);
      await tick();
      seen.push(`slow:end:${caller.current}`);
    }
  }
  class Quick extends Callback {
    onTrainBatchStart() {
      seen.push(`quick:${caller.current}`);
    }
  }
  const module = { onTrainBatchStart: () => { seen.push(`module:${caller.current}`); return 7; } };
  caller = new HookCaller({}, module, () => [new Quick(), new Slow(), new Quick()], []);

  const r = caller.both("onTrainBatchStart", [{}, 0]);
  assert.ok(r instanceof Promise, "an async callback hook makes the call a promise");
  assert.deepEqual(seen, ["quick:onTrainBatchStart", "slow:start:onTrainBatchStart"], "the rest waits for the async hook");
  assert.equal(await r, 7);
  assert.deepEqual(seen, [
    "quick:onTrainBatchStart", "slow:start:onTrainBatchStart", "slow:end:onTrainBatchStart",
    "quick:onTrainBatchStart", "module:onTrainBatchStart",
  ]);
  assert.equal(caller.current, null);

  const onlySync = new HookCaller({}, module, () => [new Quick()], []);
  assert.equal(onlySync.both("onTrainBatchStart", [{}, 0]), 7, "all-sync hooks return the module's value directly");
});

test("a throwing hook leaves no stale current hook; a rejected async hook rejects the call", async () => {
  class Boom extends Callback {
    onTrainBatchEnd(): void {
      throw new Error("boom");
    }
  }
  class AsyncBoom extends Callback {
    async onTrainEpochEnd() {
      await tick();
      throw new Error("later");
    }
  }
  const caller = new HookCaller({}, {}, () => [new Boom(), new AsyncBoom()], []);
  assert.throws(() => caller.callbackHook("onTrainBatchEnd", [{}, {}, 0]), /boom/);
  assert.equal(caller.current, null);
  await assert.rejects(async () => caller.callbackHook("onTrainEpochEnd", []), /later/);
  assert.equal(caller.current, null);
});

test("inherited no-op callback hooks are skipped, but observers still see every callback", () => {
  class Plain extends Callback {}
  const events: HookEvent[] = [];
  const quiet = new HookCaller({}, {}, () => [new Plain()], []);
  const traced = new HookCaller({}, {}, () => [new Plain()], [(e) => events.push(e)]);
  quiet.callbackHook("onAfterBackward", []);
  traced.callbackHook("onAfterBackward", []);
  assert.deepEqual(events.map((e) => `${e.owner}.${e.hook}`), ["Plain.onAfterBackward"]);
});

test("automatic mode: async callback hooks anywhere in the step give the same hook order and result as sync ones", async () => {
  await tf.setBackend("cpu");
  const run = async (asyncHooks: boolean) => {
    const order: string[] = [];
    const names = ["onTrainBatchStart", "onBeforeZeroGrad", "onBeforeBackward", "onAfterBackward", "onBeforeOptimizerStep", "onTrainBatchEnd"] as const;
    const cb = new Callback();
    for (const n of names) {
      (cb as any)[n] = asyncHooks
        ? async () => { order.push(`${n}:start`); await tick(); order.push(`${n}:end`); }
        : () => { order.push(`${n}:start`); order.push(`${n}:end`); };
    }
    class M extends LightningModule {
      w = tf.variable(tf.scalar(1));
      configureOptimizers() { return tf.train.sgd(0.1); }
      trainingStep(b: { x: tf.Tensor }) {
        order.push("trainingStep");
        return tf.sum(tf.mul(b.x, this.w)) as tf.Scalar;
      }
    }
    const m = new M();
    const trainer = new Trainer({ maxEpochs: 1, logger: false, enableCheckpointing: false, enableProgressBar: false, enableModelSummary: false, live: false, callbacks: [cb] });
    await trainer.fit(m, new DataLoader({ x: tf.ones([4, 2]) }, { batchSize: 2 }));
    const w = (await m.w.data())[0];
    m.w.dispose();
    return { order, w, steps: trainer.globalStep };
  };
  const sync = await run(false);
  const async_ = await run(true);
  assert.deepEqual(async_.order, sync.order);
  assert.equal(async_.w, sync.w);
  assert.equal(sync.steps, 2);
  assert.deepEqual(sync.order.filter((s) => !s.endsWith(":end")).slice(0, 6), [
    "onTrainBatchStart:start", "trainingStep", "onBeforeZeroGrad:start", "onBeforeBackward:start", "onAfterBackward:start",
    "onBeforeOptimizerStep:start",
  ]);
});

test("optional hooks: without observers an overridden backward and the callbacks' backward/step hooks still fire in both modes; the default no-op backward is planned out", async () => {
  const seen: string[] = [];
  class Watch extends Callback {
    onBeforeBackward() { seen.push("cb:onBeforeBackward"); }
    onBeforeOptimizerStep() { seen.push("cb:onBeforeOptimizerStep"); }
  }
  class Auto extends LightningModule {
    w = tf.variable(tf.ones([2]));
    configureOptimizers() { return tf.train.sgd(0.1); }
    trainingStep(b: { x: tf.Tensor }) { return tf.sum(tf.mul(this.w, b.x)) as tf.Scalar; }
    backward() { seen.push("module:backward"); }
  }
  class Manual extends Auto {
    constructor() { super(); this.automaticOptimization = false; }
    trainingStep(b: { x: tf.Tensor }): tf.Scalar {
      const opt = this.optimizers();
      this.manualBackward(() => tf.sum(tf.mul(this.w, b.x)) as tf.Scalar);
      opt.step();
      opt.zeroGrad();
      return undefined as unknown as tf.Scalar; // manual mode: returning nothing is allowed
    }
  }
  await tf.setBackend("cpu");
  const run = (m: LightningModule) => new Trainer({
    maxEpochs: 1, logger: false, enableProgressBar: false, enableCheckpointing: false, enableModelSummary: false, live: false, callbacks: [new Watch()],
  }).fit(m, new DataLoader({ x: tf.ones([1, 2]) }, { batchSize: 1 }));
  for (const m of [new Auto(), new Manual()]) {
    seen.length = 0;
    await run(m);
    assert.deepEqual(seen, ["cb:onBeforeBackward", "module:backward", "cb:onBeforeOptimizerStep"], m.constructor.name);
  }
  class Plain extends LightningModule {}
  assert.equal(new Plain()._keepsDefault("backward"), true, "LightningModule's own backward is the no-op the loops skip");
  assert.equal(new Auto()._keepsDefault("backward"), false);
});
