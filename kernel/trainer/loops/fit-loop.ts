/**
 * The epoch and batch loops of `fit` (Lightning's `_FitLoop` + `_TrainingEpochLoop`): stopping rules, the in-epoch
 * validation check, one tensor scope per batch (tensors made during a batch are released after its hooks), one
 * device readback per batch, step metrics to loggers, and resume from the recorded epoch/batch position.
 */
import { engine, memory } from "../tf-handles";
import { overrides } from "../callback";
import type { StepOutputs } from "../hooks";
import type { Trainer } from "../trainer";
import { runAutomaticBatch } from "./automatic-batch";
import { runManualBatch } from "./manual-batch";
import { scanOutputs, type OutputScan } from "./batch-outputs";
import type { BatchSource } from "./batch-source";
import { needsTransfer, runEvaluation, transfer } from "./evaluation-loop";
import { andThen, isPromise, type BatchIterator, type MaybePromise } from "../maybe-async";
import type { RunContext } from "./run-context";
import { yieldToEventLoop } from "./yield-point";

export interface FitData {
  train: BatchSource;
  numTrainBatches: number;
  val: BatchSource | null;
  numValBatches: number;
}

export async function runTrainingEpochs(trainer: Trainer, ctx: RunContext, data: FitData): Promise<void> {
  // The callback list is final once training starts: decide once, not per batch, who wants the per-batch extras.
  const plan: FitPlan = {
    scalars: trainer.callbacks.some((c) => overrides(c, "onBatchScalars")),
    images: trainer.callbacks.some((c) => overrides(c, "onBatchImages")),
  };
  ctx.planHooks();
  while (!fitDone(trainer)) {
    await runEpoch(trainer, ctx, data, plan);
  }
}

/** What is decided once per fit: which per-batch extras and optional hooks anyone listens to. */
interface FitPlan {
  /** Callbacks listen to the non-Lightning per-batch hooks (their readback/scan is skipped otherwise). */
  scalars: boolean;
  images: boolean;
}

function fitDone(t: Trainer): boolean {
  if (t.numTrainingBatches === 0) return true;
  if (t.maxSteps !== -1 && t.globalStep >= t.maxSteps) return true;
  if (t.maxEpochs !== null && t.maxEpochs !== -1 && t.currentEpoch >= t.maxEpochs) return true;
  if (t.shouldStop && canStopEarly(t)) return true;
  return false;
}

function canStopEarly(t: Trainer): boolean {
  const minEpochs = t.minEpochs ?? 0;
  const minSteps = t.minSteps ?? 0;
  return t.currentEpoch >= minEpochs && t.globalStep >= minSteps;
}

async function runEpoch(trainer: Trainer, ctx: RunContext, data: FitData, plan: FitPlan): Promise<void> {
  const hooks = ctx.hooks;
  const epoch = trainer.currentEpoch;
  // `_resumeBatch` is the next batch to run in this epoch: an interrupt anywhere resumes from there.
  const start = trainer._resumeBatch;
  await hooks.both("onTrainEpochStart", []);
  await ctx.trainResults.flush();
  const valCheckBatch = trainer._valCheckBatch(data.numTrainBatches);
  let validatedAtEnd = false;
  const it = data.train.batches(epoch, start);
  try {
    for (let batchIdx = start; ; batchIdx++) {
      trainer._resumeBatch = batchIdx;
      const yielded = yieldToEventLoop(); // so an interrupt (SIGINT) can be seen at this boundary
      if (yielded) await yielded;
      trainer._checkInterrupt();
      if (batchIdx >= data.numTrainBatches) break;
      if (trainer.maxSteps !== -1 && trainer.globalStep >= trainer.maxSteps) break;
      trainer.batchIdx = batchIdx;
      trainer.isLastBatch = batchIdx === data.numTrainBatches - 1;
      const result = await runBatch(trainer, ctx, it, batchIdx, epoch, plan);
      if (result === "exhausted" || result === "stop-epoch") break;
      trainer._resumeBatch = batchIdx + 1;
      // on_advance_end: validation, then the step counter of loggers.
      const shouldVal = trainer._valEnabled(data) &&
        ((trainer.shouldStop && canStopEarly(trainer)) || (batchIdx + 1) % valCheckBatch === 0 ||
          (trainer.isLastBatch && valCheckBatch > data.numTrainBatches));
      if (shouldVal) {
        await runInEpochValidation(trainer, ctx, data);
        validatedAtEnd = trainer.isLastBatch;
      }
      if (ctx.automatic && ctx.schedulers.length > 0) await trainer._stepPlateauSchedulers(ctx, "step");
      // The logger step advances after validation (validation metrics share the batch's step), once per stepping batch.
      if (trainer._pendingStepped) trainer._batchesThatStepped++;
      trainer._pendingStepped = false;
      if (trainer.shouldStop && canStopEarly(trainer)) break;
    }
  } finally {
    await it.return?.(undefined);
  }
  // Unknown-length loaders: the default end-of-epoch validation runs once the iterator is exhausted.
  if (!Number.isFinite(data.numTrainBatches) && !validatedAtEnd && trainer._valEnabled(data) && !Number.isFinite(valCheckBatch)) {
    await runInEpochValidation(trainer, ctx, data);
  }
  await trainer._epochEnd(ctx);
  trainer._resumeBatch = 0;
}

async function runInEpochValidation(trainer: Trainer, ctx: RunContext, data: FitData): Promise<void> {
  await ctx.hooks.moduleHook("onValidationModelZeroGrad", []);
  if (typeof (ctx.module as any).onValidationModelZeroGrad !== "function") ctx.grads.clear();
  trainer.validating = true;
  try {
    await runEvaluation(trainer, ctx, "validation", data.val!, data.numValBatches);
  } finally {
    trainer.validating = false;
  }
}

type BatchResult = "ok" | "exhausted" | "stop-epoch";

async function runBatch(
  trainer: Trainer, ctx: RunContext, it: BatchIterator, batchIdx: number, epoch: number, plan: FitPlan,
): Promise<BatchResult> {
  const hooks = ctx.hooks;
  trainer._leaks?.beforeBatch();
  engine().startScope();
  let stepped = true;
  try {
    const pending = it.next();
    const next = isPromise(pending) ? await pending : pending;
    if (next.done) return "exhausted";
    ctx.anomaly?.begin();
    let outputs: StepOutputs | null;
    let batch: unknown = next.value;
    if (batch === null || batch === undefined) {
      trainer._warnOnce("train_dataloader yielded None. If this was on purpose, ignore this warning...");
      outputs = null;
      batch = null;
    } else {
      if (needsTransfer(ctx)) batch = await transfer(ctx, batch);
      ctx.startBatch(batch);
      const started = ctx.optional.onTrainBatchStart ? hooks.both("onTrainBatchStart", [batch, batchIdx]) : undefined;
      const r = isPromise(started) ? await started : started;
      if (r === -1) {
        // Epoch-interval schedulers still step when the epoch is cut short (Lightning #test_lr_updated_on_train_batch_start_returns_minus_one).
        await trainer._stepSchedulers(ctx, "epoch");
        return "stop-epoch";
      }
      if (ctx.automatic) {
        const accumulate = trainer.accumulateGradBatches;
        const accumulating = !((batchIdx + 1) % accumulate === 0 || trainer.isLastBatch);
        const running = runAutomaticBatch(ctx, batch, {
          epoch,
          batchIdx,
          accumulate,
          accumulating,
          clipVal: trainer.gradientClipVal,
          clipAlgorithm: trainer.gradientClipAlgorithm,
          warnNone: () => trainer._warnOnce("`training_step` returned `None`. If this was on purpose, ignore this warning..."),
        });
        const res = isPromise(running) ? await running : running;
        stepped = res.stepped;
        outputs = res.outputs;
        if (stepped) {
          trainer._countStep();
          if (ctx.schedulers.length > 0) {
            await trainer._stepSchedulers(ctx, "step");
            if (trainer.isLastBatch) await trainer._stepSchedulers(ctx, "epoch");
          }
        }
      } else {
        const running = runManualBatch(ctx, batch, batchIdx);
        outputs = isPromise(running) ? await running : running;
      }
      if (ctx.anomaly) await ctx.anomaly.end(`epoch ${epoch}, batch ${batchIdx}, global step ${trainer.globalStep}`);
    }
    if (ctx.optional.onTrainBatchEnd) {
      const ended = hooks.both("onTrainBatchEnd", [outputs, batch, batchIdx]);
      if (isPromise(ended)) await ended;
    }
    const settled = hooks.settle();
    if (settled) await settled;
    // One readback for logged values and the outputs' scalars (those only when a callback listens to them).
    const scan = plan.scalars || plan.images ? scanOutputs(outputs, plan.images) : null;
    const reading = ctx.trainResults.flush(plan.scalars ? scan!.tensors : []);
    const read = isPromise(reading) ? await reading : reading;
    const published = publishBatch(trainer, ctx, scan, read, batchIdx, epoch, stepped, plan);
    if (published) await published;
    return "ok";
  } finally {
    ctx.anomaly?.release();
    ctx.endBatch();
    engine().endScope();
    trainer._leaks?.afterBatch();
  }
}

/**
 * The batch's metrics → trainer dicts, loggers and displays. A promise only for loggers/listeners that are really
 * called: no async frame per batch.
 */
function publishBatch(
  trainer: Trainer, ctx: RunContext, scan: OutputScan | null, read: Float32Array, batchIdx: number, epoch: number,
  stepped: boolean, plan: FitPlan,
): MaybePromise<void> {
  trainer.batchesSeen++;
  const logNow = stepped && trainer.logEveryNSteps > 0 &&
    ((trainer._batchesThatStepped + 1) % trainer.logEveryNSteps === 0 || trainer.shouldStop || trainer.fastDevRun > 0);
  if (!logNow && !scan) {
    // No logger or listener takes this step's view: its values go straight into the trainer's dicts.
    ctx.trainResults.metricsInto(true, trainer._metricDicts);
    if (stepped) trainer._pendingStepped = true;
    return;
  }
  const views = ctx.trainResults.metrics(true);
  trainer._mergeMetrics(views, true);
  return andThen(logNow ? trainer._logToLoggers(views.log, trainer._batchesThatStepped) : undefined, () => {
    if (stepped) trainer._pendingStepped = true;
    if (scan) return notifyListeners(trainer, ctx, scan, read, views.log, batchIdx, epoch, plan);
  });
}

/** The non-Lightning per-batch hooks (`onBatchScalars`, `onBatchImages`) of the callbacks that listen to them. */
async function notifyListeners(
  trainer: Trainer, ctx: RunContext, scan: OutputScan, read: Float32Array, logged: Record<string, number>,
  batchIdx: number, epoch: number, plan: FitPlan,
): Promise<void> {
  if (plan.scalars) {
    const fromOutputs: Record<string, number> = { ...scan.numbers };
    scan.tensorNames.forEach((n, i) => (fromOutputs[n] = read[i]));
    await ctx.hooks.callbackHook("onBatchScalars", [{
      outputs: fromOutputs,
      logged,
      progressBar: { ...trainer.progressBarMetrics },
      globalStep: trainer.globalStep,
      batchesSeen: trainer.batchesSeen,
      epoch,
      batchIdx,
      numTensors: memory().numTensors,
    }]);
  }
  const images = { ...scan.images, ...ctx.images };
  if (plan.images && Object.keys(images).length > 0) {
    await ctx.hooks.callbackHook("onBatchImages", [images, { globalStep: trainer.globalStep, batchIdx }]);
  }
}
