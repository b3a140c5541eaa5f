/** The one-line progress text shown under live charts and by TextProgress, and the end-of-run summary. */
import type { BatchScalars } from "../trainer/hooks";
import type { RateMeter } from "./rate-meter";
import { formatDuration, formatNumber } from "./ticks";
import { numericEntries, type TrainerView } from "./trainer-view";

export interface ProgressState {
  epoch: number;
  maxEpochs?: number | null;
  /** Batch index within the epoch (0-based; shown 1-based). */
  batchIdx: number;
  numBatches: number;
  globalStep: number;
  perSecond: number;
  etaSeconds: number;
  metrics: [string, number][];
  /** Tensors gained per batch (0 = no leak suspected). */
  leakPerStep?: number;
}

const known = (n: number | null | undefined): n is number => typeof n === "number" && Number.isFinite(n) && n > 0;

export function formatProgressLine(s: ProgressState): string {
  const parts = [`epoch ${s.epoch + 1}${known(s.maxEpochs) ? `/${s.maxEpochs}` : ""}`];
  parts.push(`batch ${s.batchIdx + 1}${known(s.numBatches) ? `/${s.numBatches}` : ""}`);
  parts.push(`step ${s.globalStep}`);
  if (Number.isFinite(s.perSecond)) parts.push(`${s.perSecond >= 100 ? Math.round(s.perSecond) : s.perSecond.toFixed(1)} it/s`);
  if (Number.isFinite(s.etaSeconds)) parts.push(`ETA ${formatDuration(s.etaSeconds)}`);
  for (const [k, v] of s.metrics) parts.push(`${k} ${formatNumber(v)}`);
  if (s.leakPerStep && s.leakPerStep > 0) parts.push(`⚠ tensors +${formatNumber(s.leakPerStep)}/batch (leak?)`);
  return parts.join(" · ");
}

/** Batches left: the tighter of the maxSteps and maxEpochs limits (NaN when neither is known). */
export function remainingBatches(t: {
  globalStep: number; batchesSeen: number; maxSteps?: number | null; maxEpochs?: number | null; numTrainingBatches: number;
}): number {
  let left = Infinity;
  if (known(t.maxSteps) && t.globalStep > 0) left = Math.min(left, ((t.maxSteps - t.globalStep) * t.batchesSeen) / t.globalStep);
  if (known(t.maxEpochs) && known(t.numTrainingBatches)) left = Math.min(left, t.maxEpochs * t.numTrainingBatches - t.batchesSeen);
  return Number.isFinite(left) ? Math.max(0, left) : NaN;
}

export interface RunSummary {
  outcome: string;
  epochs: number;
  globalStep: number;
  seconds: number;
  /** Last value, with min for context. */
  metrics: { name: string; last: number; min: number }[];
  /** The tfjs backend label, when known. */
  backend?: string;
}

export function formatSummary(s: RunSummary): string {
  const head = `${s.outcome} · ${s.epochs} epoch${s.epochs === 1 ? "" : "s"} · ${s.globalStep} steps in ${formatDuration(s.seconds)}` +
    (s.backend ? ` on ${s.backend}` : "");
  const lines = s.metrics.map((m) => `  ${m.name}: last ${formatNumber(m.last)} (min ${formatNumber(m.min)})`);
  return [head, ...lines].join("\n");
}

/** The progress line for the latest batch of a fit. */
export function progressLineFor(t: TrainerView, s: BatchScalars, rate: RateMeter, leakPerStep = 0): string {
  return formatProgressLine({
    epoch: s.epoch,
    maxEpochs: t.maxEpochs,
    batchIdx: s.batchIdx,
    numBatches: t.numTrainingBatches,
    globalStep: s.globalStep,
    perSecond: rate.perSecond(),
    etaSeconds: rate.eta(remainingBatches(t)),
    metrics: numericEntries(s.progressBar),
    leakPerStep,
  });
}
