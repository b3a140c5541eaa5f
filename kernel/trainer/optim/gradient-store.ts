/**
 * Per-variable gradient buffers: TF.js keeps no `.grad` on variables, so this plays that role. Gradients ADD up across
 * backward calls until `zero()` — exactly PyTorch's semantics — and a variable with no buffer is not updated by a step
 * (torch ≥ 2 `set_to_none`).
 */
import type * as tf from "@tensorflow/tfjs";
import { keep, add } from "../tf-handles";

export class GradientStore {
  private readonly buffers = new Map<string, tf.Tensor>();

  /** Adds `grads` (by variable name) into the buffers, taking ownership of the given tensors. */
  accumulate(grads: Record<string, tf.Tensor | null>): void {
    // for-in, not Object.entries: tfjs builds this map key by key (a dictionary-mode object), and the entry arrays
    // cost more than the additions on a small model.
    for (const name in grads) {
      const g = grads[name];
      if (g == null) continue;
      const old = this.buffers.get(name);
      if (old) {
        const sum = keep(add(old, g));
        old.dispose();
        g.dispose();
        this.buffers.set(name, sum);
      } else {
        this.buffers.set(name, keep(g));
      }
    }
  }

  get(v: tf.Variable): tf.Tensor | undefined {
    return this.buffers.get(v.name);
  }

  /** Replaces a buffer (used by gradient clipping). */
  set(v: tf.Variable, g: tf.Tensor): void {
    const old = this.buffers.get(v.name);
    if (old === g) return;
    this.buffers.set(v.name, keep(g));
    old?.dispose();
  }

  zero(vars: readonly tf.Variable[]): void {
    for (const v of vars) {
      const g = this.buffers.get(v.name);
      if (g) {
        g.dispose();
        this.buffers.delete(v.name);
      }
    }
  }

  clear(): void {
    for (const g of this.buffers.values()) g.dispose();
    this.buffers.clear();
  }

  get size(): number {
    return this.buffers.size;
  }
}
