/**
 * Shared helpers of the conformance suite (spec §7): the backend hook, the spec's default Trainer options, a one-variable
 * module (SGD lr 0.1), a 4-batch loader of batch size 1, a recording callback `R`, module hook spies and an entry-order
 * recorder built on `trainer.hookObservers`.
 *
 * Backend: cpu by default; set TSLAB_LIGHTNING_TEST_BACKEND (wasm, wasm-untuned, webgpu, tensorflow, ...) to run the
 * whole suite on another one. The trainer keeps a backend the test activated explicitly.
 */
import { before } from "node:test";
import assert from "node:assert/strict";
import { tf, LightningModule, Trainer, Callback, DataLoader, selectBackend, type TrainerOptions, type HookEvent } from "../../kernel";

export const TEST_BACKEND = process.env.TSLAB_LIGHTNING_TEST_BACKEND || "cpu";

/** Registers a `before` hook that activates the test backend (call once at the top of every test file). */
export function useTestBackend(): void {
  before(async () => {
    if (TEST_BACKEND === "cpu") {
      assert.equal(await tf.setBackend("cpu"), true);
    } else {
      await selectBackend({ prefer: TEST_BACKEND, quiet: true });
      const expected = TEST_BACKEND === "wasm-untuned" ? "wasm" : TEST_BACKEND;
      assert.equal(tf.getBackend(), expected, `TSLAB_LIGHTNING_TEST_BACKEND=${TEST_BACKEND} could not be activated`);
    }
  });
}

/** The spec §7 defaults, plus `live: false` (no display in tests). */
export const DEFAULTS: TrainerOptions = {
  maxEpochs: 1,
  limitValBatches: 0,
  enableProgressBar: false,
  logger: false,
  enableCheckpointing: false,
  live: false,
};

export function makeTrainer(opts: TrainerOptions = {}): Trainer {
  return new Trainer({ ...DEFAULTS, ...opts });
}

export type Batch = { x: tf.Tensor };

/** `n` batches of size 1 with x = 1, 2, …, n (shape [1, 1]); a DataLoader, so batch tensors live in the batch scope. */
export function loader(n = 4, start = 1): DataLoader<Batch> {
  return new DataLoader<Batch>({ x: tf.tensor2d(Array.from({ length: n }, (_, i) => start + i), [n, 1]) }, { batchSize: 1 });
}

/** One trainable scalar `w` (starts at 1), loss = mean((w·x)²), SGD lr 0.1. Automatic by default. */
export class OneVar extends LightningModule {
  // tidy disposes the initial-value tensor (tf.variable keeps its own reference), so only the variable remains.
  w = tf.tidy(() => tf.variable(tf.scalar(1)));
  lossOf(batch: Batch): tf.Scalar {
    return tf.mean(tf.square(tf.mul(this.w, batch.x))) as tf.Scalar;
  }
  configureOptimizers(): any {
    return tf.train.sgd(0.1);
  }
  trainingStep(batch: Batch, _batchIdx: number): unknown {
    return this.lossOf(batch);
  }
}

/** Manual optimization: `opt.zeroGrad(); this.manualBackward(loss); opt.step()`, returns nothing. */
export class ManualOneVar extends OneVar {
  constructor() {
    super();
    this.automaticOptimization = false;
  }
  trainingStep(batch: Batch, _batchIdx: number): unknown {
    const opt = this.optimizers();
    opt.zeroGrad();
    this.manualBackward(() => this.lossOf(batch));
    opt.step();
    return undefined;
  }
}

export async function valueOf(t: tf.Tensor): Promise<number> {
  return (await t.data())[0];
}

/** Names of the Callback hooks `R` records (every hook except the non-Lightning ones). */
const CALLBACK_HOOKS = Object.getOwnPropertyNames(Callback.prototype).filter((k) => {
  const d = Object.getOwnPropertyDescriptor(Callback.prototype, k);
  return typeof d?.value === "function" && k !== "constructor" && !["log", "logDict", "stateDict", "loadStateDict",
    "onBatchScalars", "onBatchImages"].includes(k);
});

/** A recording callback: `calls` lists `[hook, args-after-(trainer, module)]` in call order. */
export class R extends Callback {
  readonly calls: [string, unknown[]][] = [];
  constructor() {
    super();
    for (const hook of CALLBACK_HOOKS) {
      const own = (this as any)[hook];
      const base = (Callback.prototype as any)[hook];
      (this as any)[hook] = (_t: Trainer, _m: LightningModule, ...args: unknown[]) => {
        this.calls.push([hook, args]);
        if (own !== base) return own.call(this, _t, _m, ...args);
      };
    }
  }
  /** The argument lists of every call of `hook`. */
  argsOf(hook: string): unknown[][] {
    return this.calls.filter(([h]) => h === hook).map(([, a]) => a);
  }
  count(hook: string): number {
    return this.argsOf(hook).length;
  }
}

/** Module hooks a spy defines as no-ops (the transfer hooks return the batch), so the recorder sees their entry. */
export const MODULE_SPY_HOOKS = [
  "prepareData", "setup", "teardown", "configureModel", "configureCallbacks",
  "onFitStart", "onFitEnd", "onTrainStart", "onTrainEnd", "onTrainEpochStart", "onTrainEpochEnd",
  "onTrainBatchStart", "onTrainBatchEnd", "onValidationStart", "onValidationEnd", "onValidationEpochStart",
  "onValidationEpochEnd", "onValidationBatchStart", "onValidationBatchEnd", "onValidationModelEval",
  "onValidationModelZeroGrad", "onBeforeBackward", "onAfterBackward", "onBeforeOptimizerStep", "onBeforeZeroGrad",
  "onBeforeBatchTransfer", "transferBatchToDevice", "onAfterBatchTransfer",
];

/** Defines every MODULE_SPY_HOOKS hook the module lacks; returns the module. */
export function spyHooks<M extends LightningModule>(module: M): M {
  for (const hook of MODULE_SPY_HOOKS) {
    if (typeof (module as any)[hook] === "function") continue;
    (module as any)[hook] = /transfer/i.test(hook) ? (batch: unknown) => batch : () => undefined;
  }
  return module;
}

/**
 * Entry-order log of every hook call: module hooks as `hook`, callback hooks as `<CallbackClass>.<hook>`. Tests may
 * push their own markers (e.g. "closure"). `events` keeps the raw HookEvents (with args) in the same order.
 */
export function recordOrder(trainer: Trainer): { log: string[]; events: (HookEvent | string)[] } {
  const log: string[] = [];
  const events: (HookEvent | string)[] = [];
  trainer.hookObservers.push((e) => {
    log.push(e.target === "callback" ? `${e.owner}.${e.hook}` : e.hook);
    events.push(e);
  });
  return { log, events };
}

/** Collects `process` warnings emitted while `fn` runs (emitWarning is delivered on the next tick). */
export async function captureWarnings<T>(fn: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const listener = (w: Error) => warnings.push(w.message);
  process.on("warning", listener);
  try {
    const result = await fn();
    await new Promise((r) => setImmediate(r));
    return { result, warnings };
  } finally {
    process.off("warning", listener);
  }
}

/** Awaits `p` and returns the error it rejected with (fails if it resolved). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  assert.fail("expected a rejection");
}

/** The values of a variable (or tensor). */
export async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

export { tf };
