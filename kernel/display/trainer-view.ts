/**
 * The part of the Trainer the display reads. Declared structurally so the display compiles without the trainer
 * (the trainer never imports the display: the package entry wires them via `Trainer.registerDefaultCallbacks`).
 */
export interface TrainerView {
  globalStep: number;
  currentEpoch: number;
  batchesSeen: number;
  maxEpochs?: number | null;
  maxSteps?: number | null;
  /** Infinity when the dataloader has no known length. */
  numTrainingBatches: number;
  callbackMetrics: Record<string, unknown>;
  loggedMetrics: Record<string, unknown>;
  progressBarMetrics: Record<string, unknown>;
  sanityChecking: boolean;
  options: { live?: unknown; runName?: string; enableProgressBar?: boolean };
  lightningModule?: { hparams?: unknown; constructor: { name: string } } | null;
  /** The tfjs backend and its details, e.g. "wasm (tuned)" (reported in the first frame and the summary). */
  backendLabel?: string;
}

/** Plain finite-or-not numbers of a metrics record (tensors and other values are skipped). */
export function numericEntries(metrics: Record<string, unknown> | undefined): [string, number][] {
  const out: [string, number][] = [];
  for (const [k, v] of Object.entries(metrics ?? {})) if (typeof v === "number") out.push([k, v]);
  return out;
}
