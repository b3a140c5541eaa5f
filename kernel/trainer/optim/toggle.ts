/**
 * `toggleOptimizer` / `untoggleOptimizer` (Lightning §3.5): `trainable` plays PyTorch's `requires_grad`.
 * Toggle records every optimizer variable's flag (first occurrence wins), freezes them all, then restores the toggled
 * optimizer's variables to their recorded flags; untoggle restores the other optimizers' variables.
 */
import type * as tf from "@tensorflow/tfjs";
import { MisconfigurationError } from "../errors";
import type { LightningOptimizer } from "./lightning-optimizer";

interface ToggleHost {
  optimizers: LightningOptimizer[];
  toggleRecord: Map<tf.Variable, boolean> | null;
}

function find(host: ToggleHost, opt: LightningOptimizer | tf.Optimizer, what: string): LightningOptimizer {
  const found = host.optimizers.find((o) => o === opt || o.optimizer === opt);
  if (!found) {
    throw new MisconfigurationError(`${what}: this optimizer was not returned by configureOptimizers. Pass one from this.optimizers().`);
  }
  return found;
}

export function toggleOptimizer(host: ToggleHost, opt: LightningOptimizer | tf.Optimizer): void {
  const target = find(host, opt, "toggleOptimizer");
  const record = new Map<tf.Variable, boolean>();
  for (const o of host.optimizers) {
    for (const v of o.params()) {
      if (!record.has(v)) record.set(v, v.trainable);
      v.trainable = false;
    }
  }
  for (const v of target.params()) v.trainable = record.get(v)!;
  host.toggleRecord = record;
}

export function untoggleOptimizer(host: ToggleHost, opt: LightningOptimizer | tf.Optimizer): void {
  const target = find(host, opt, "untoggleOptimizer");
  const record = host.toggleRecord;
  if (record) {
    for (const o of host.optimizers) {
      if (o === target) continue;
      for (const v of o.params()) {
        const prior = record.get(v);
        if (prior !== undefined) v.trainable = prior;
      }
    }
  }
  host.toggleRecord = null;
}
