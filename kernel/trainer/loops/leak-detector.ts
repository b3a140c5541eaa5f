/**
 * Makes per-step tensor leaks visible. Tensors created during a batch are released with the batch's scope; what
 * survives must have been `tf.keep`-ed (or created outside the trainer's control). When the unexplained tensor count
 * grows for several batches in a row, the next batch records every `keep` with the hook that was running, and the
 * trainer warns once with the count per step and the hooks where the survivors were kept.
 */
import * as tf from "@tensorflow/tfjs";
import { memory } from "../tf-handles";
import { registeredVariableCount } from "../variable-registry";

interface Snapshot {
  tensors: number;
  variables: number;
  explained: number;
}

const STREAK = 3;

export class LeakDetector {
  private before: Snapshot | null = null;
  private streak = 0;
  private tracing: { t: tf.Tensor; hook: string }[] | null = null;
  private restoreKeep: (() => void) | null = null;
  private warned = false;
  /** Unexplained growth of the last batch. */
  lastGrowth = 0;

  constructor(
    private readonly currentHook: () => string | null,
    /** Tensors the trainer/user keep on purpose (this.keep, gradient buffers, queued log values). */
    private readonly explained: () => number,
    private readonly isExplained: (t: tf.Tensor) => boolean,
    private readonly warn: (msg: string) => void,
  ) {}

  beforeBatch(): void {
    this.before = this.snapshot();
    if (this.streak >= STREAK && !this.warned && !this.tracing) this.startTracing();
  }

  afterBatch(): void {
    if (!this.before) return;
    const now = this.snapshot();
    const growth = now.tensors - this.before.tensors - (now.variables - this.before.variables) - (now.explained - this.before.explained);
    this.lastGrowth = growth;
    this.streak = growth > 0 ? this.streak + 1 : 0;
    if (this.tracing) this.report(growth);
  }

  dispose(): void {
    this.restoreKeep?.();
    this.restoreKeep = null;
    this.tracing = null;
  }

  private snapshot(): Snapshot {
    return {
      tensors: memory().numTensors,
      variables: registeredVariableCount(),
      explained: this.explained(),
    };
  }

  private startTracing(): void {
    const engine = tf.engine() as any;
    const original = engine.keep;
    const records: { t: tf.Tensor; hook: string }[] = [];
    this.tracing = records;
    engine.keep = (t: tf.Tensor) => {
      records.push({ t, hook: this.currentHook() ?? "outside any hook" });
      return original.call(engine, t);
    };
    this.restoreKeep = () => {
      engine.keep = original;
    };
  }

  private report(growth: number): void {
    const records = this.tracing!;
    this.dispose();
    if (growth <= 0) return;
    const byHook = new Map<string, number>();
    for (const r of records) {
      if (r.t.isDisposed || this.isExplained(r.t)) continue;
      byHook.set(r.hook, (byHook.get(r.hook) ?? 0) + 1);
    }
    const where = byHook.size
      ? [...byHook].map(([h, n]) => `${h}: ${n}`).join(", ")
      : "not kept inside a trainer hook (created outside the trainer's batch scope, e.g. in a timer or before fit)";
    this.warned = true;
    this.warn(
      `Tensor leak: ${growth} tensor(s) per step survive each batch (${where}). ` +
        "Tensors made during a batch are released after onTrainBatchEnd unless tf.keep()-ed; keep one on purpose with " +
        "this.keep(t) (released at teardown) or dispose it. tf.memory().numTensors grows by this much every step.",
    );
  }
}
