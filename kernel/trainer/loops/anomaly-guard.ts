/**
 * `Trainer({ detectAnomaly: true })`: Lightning turns on autograd anomaly detection, which stops at the first NaN/Inf
 * in backward. TF.js has no such mode, and library code cannot read tensors synchronously, so the guard works per
 * batch: it snapshots every variable (weights and optimizer slots) when the batch starts, records an on-device
 * finiteness flag for the loss and each gradient of every backward, reads all flags once when the batch ends, and on a
 * non-finite value restores the snapshot (nothing is lost) and throws, naming the hook, the batch and the variable.
 * A debugging mode: it costs a copy of the variables and one extra readback per batch.
 */
import * as tf from "@tensorflow/tfjs";
import { MisconfigurationError } from "../errors";

interface Check {
  where: string;
  names: string[];
  flags: tf.Tensor;
}

export class AnomalyGuard {
  private snapshot = new Map<tf.Variable, tf.Tensor>();
  private checks: Check[] = [];

  /** @param displayName the module's name for a tf variable name ("generator.0.kernel"), for messages. */
  constructor(private readonly displayName: (tfName: string) => string = (n) => n) {}

  /** Copies every registered variable (model weights and optimizer state). */
  begin(): void {
    this.release();
    for (const v of Object.values(tf.engine().registeredVariables)) this.snapshot.set(v, tf.keep(v.clone()));
  }

  /** Records whether the loss and each gradient are finite (no readback here). */
  check(where: string, loss: tf.Tensor, grads: Record<string, tf.Tensor | null>): void {
    const named = Object.entries(grads).filter((e): e is [string, tf.Tensor] => e[1] != null);
    const flags = tf.keep(tf.tidy(() => tf.stack([loss, ...named.map(([, g]) => g)].map((t) => tf.all(tf.isFinite(t)))).cast("float32")));
    this.checks.push({ where, names: ["loss", ...named.map(([n]) => this.displayName(n))], flags });
  }

  /** Reads the flags of this batch; on a non-finite value restores the snapshot and throws. */
  async end(batchDescription: string): Promise<void> {
    const checks = this.checks;
    this.checks = [];
    try {
      if (checks.length === 0) return;
      const packed = tf.tidy(() => tf.concat(checks.map((c) => c.flags)));
      const values = await packed.data();
      packed.dispose();
      let k = 0;
      for (const c of checks) {
        const bad = c.names.filter((_, i) => values[k + i] === 0);
        k += c.names.length;
        if (bad.length === 0) continue;
        this.restore();
        throw new MisconfigurationError(
          `detectAnomaly: non-finite values (NaN or Inf) in ${c.where} (${batchDescription}): ` +
            `${bad.slice(0, 5).map((n) => (n === "loss" ? "the loss" : `the gradient of "${n}"`)).join(", ")}` +
            `${bad.length > 5 ? ` and ${bad.length - 5} more` : ""}. The weights and optimizer state were restored to ` +
            "their values before this batch. Lower the learning rate, clip gradients, or check the loss for log(0)/division by 0.",
        );
      }
    } finally {
      for (const c of checks) c.flags.dispose();
      this.release();
    }
  }

  release(): void {
    for (const t of this.snapshot.values()) t.dispose();
    this.snapshot.clear();
    for (const c of this.checks) c.flags.dispose();
    this.checks = [];
  }

  private restore(): void {
    for (const [v, saved] of this.snapshot) if (!v.isDisposed && v.dtype === saved.dtype) v.assign(saved);
  }
}
