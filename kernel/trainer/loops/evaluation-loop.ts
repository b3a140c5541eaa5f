/**
 * Validation / test / predict runs (Lightning's `_EvaluationLoop` and `_PredictionLoop`). The step's return value is
 * passed unchanged to the batch-end hooks. Each batch runs in its own tensor scope; metrics are read in one readback.
 */
import * as tf from "@tensorflow/tfjs";
import { engine, keep, TensorClass } from "../tf-handles";
import type { Trainer } from "../trainer";
import type { RunContext } from "./run-context";
import type { BatchSource } from "./batch-source";
import { yieldToEventLoop } from "./yield-point";

export type EvalKind = "validation" | "test" | "predict";

const NAMES = {
  validation: { Cap: "Validation", step: "validationStep" },
  test: { Cap: "Test", step: "testStep" },
  predict: { Cap: "Predict", step: "predictStep" },
} as const;

/** Runs an evaluation epoch over `source` (at most `limit` batches). Returns predictions for "predict". */
export async function runEvaluation(
  trainer: Trainer,
  ctx: RunContext,
  kind: EvalKind,
  source: BatchSource,
  limit: number,
): Promise<unknown[]> {
  const { Cap, step } = NAMES[kind];
  const hooks = ctx.hooks;
  const predictions: unknown[] = [];
  ctx.results = ctx.evalResults;
  const wasTraining = ctx.module.training;
  if (kind === "validation") await hooks.moduleHook("onValidationModelEval", []);
  ctx.module.training = false;
  await hooks.both(`on${Cap}Start` as any, []);
  await hooks.both(`on${Cap}EpochStart` as any, []);
  const it = source.batches(0, 0);
  try {
    for (let i = 0; i < limit; i++) {
      await yieldToEventLoop(); // so an interrupt (SIGINT) can be seen at this boundary
      trainer._checkInterrupt();
      engine().startScope();
      try {
        const next = await it.next();
        if (next.done) break;
        const batch = await transfer(ctx, next.value);
        ctx.startBatch(batch);
        await hooks.both(`on${Cap}BatchStart` as any, [batch, i]);
        const out = await hooks.moduleHook(step, [batch, i]);
        await hooks.both(`on${Cap}BatchEnd` as any, [out, batch, i]);
        await hooks.settle();
        if (kind === "predict") {
          // Predictions outlive the batch scope: they are returned to the caller, who disposes them.
          for (const t of collectTensors(out)) keep(t);
          predictions.push(out);
        } else {
          await ctx.evalResults.flush();
          trainer._mergeMetrics(ctx.evalResults.metrics(true), false);
        }
      } finally {
        ctx.endBatch();
        engine().endScope();
      }
    }
  } finally {
    await it.return?.(undefined);
  }
  await hooks.both(`on${Cap}EpochEnd` as any, []);
  if (kind !== "predict") {
    await ctx.evalResults.flush();
    const epochViews = ctx.evalResults.metrics(false);
    if (!trainer.sanityChecking) {
      trainer._mergeMetrics(epochViews, true);
      await trainer._logToLoggers(epochViews.log, trainer._loggerStep());
    }
  }
  await hooks.both(`on${Cap}End` as any, []);
  ctx.evalResults.reset();
  ctx.module.training = wasTraining;
  if (kind === "validation") await hooks.moduleHook("onValidationModelTrain", []);
  ctx.results = ctx.trainResults;
  return predictions;
}

/** Whether the module defines any of the batch-transfer hooks (most do not: the batch is then used as is). */
export function needsTransfer(ctx: RunContext): boolean {
  const m = ctx.module as any;
  return typeof m.onBeforeBatchTransfer === "function" || typeof m.transferBatchToDevice === "function" ||
    typeof m.onAfterBatchTransfer === "function";
}

/** The module's batch-transfer hooks (no devices in TF.js; kept for Lightning's hook order and user transforms). */
export async function transfer(ctx: RunContext, batch: unknown): Promise<unknown> {
  const m = ctx.module as any;
  let b = batch;
  if (typeof m.onBeforeBatchTransfer === "function") b = await ctx.hooks.moduleHook("onBeforeBatchTransfer", [b, 0]);
  if (typeof m.transferBatchToDevice === "function") b = await ctx.hooks.moduleHook("transferBatchToDevice", [b, tf.getBackend(), 0]);
  if (typeof m.onAfterBatchTransfer === "function") b = await ctx.hooks.moduleHook("onAfterBatchTransfer", [b, 0]);
  return b;
}

function collectTensors(v: unknown, out: tf.Tensor[] = [], seen = new Set<unknown>()): tf.Tensor[] {
  if (v instanceof TensorClass) out.push(v);
  else if (typeof v === "object" && v !== null && !seen.has(v)) {
    seen.add(v);
    for (const x of Array.isArray(v) ? v : Object.values(v)) collectTensors(x, out, seen);
  }
  return out;
}
