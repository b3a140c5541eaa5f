/** Finding the scalars and image batches in a training batch's `outputs` (for displays; read in one readback). */
import type * as tf from "@tensorflow/tfjs";
import { TensorClass } from "../tf-handles";

export interface OutputScan {
  numbers: Record<string, number>;
  /** Flattened names of one-element tensors, and the tensors (read by the caller in the batch's single readback). */
  tensorNames: string[];
  tensors: tf.Tensor[];
  images: Record<string, tf.Tensor>;
}

export function isImageBatch(t: tf.Tensor): boolean {
  return t.size > 1 && (t.rank === 3 || (t.rank === 4 && (t.shape[3] === 1 || t.shape[3] === 3)));
}

/** Walks `outputs`, flattening nested dicts as `a/b`. */
export function scanOutputs(outputs: Record<string, unknown> | null, wantImages: boolean): OutputScan {
  const scan: OutputScan = { numbers: {}, tensorNames: [], tensors: [], images: {} };
  if (outputs) walk(outputs, "", scan, wantImages, new Set());
  return scan;
}

function walk(obj: Record<string, unknown>, prefix: string, scan: OutputScan, wantImages: boolean, seen: Set<unknown>): void {
  seen.add(obj);
  for (const [k, v] of Object.entries(obj)) {
    const name = prefix + k;
    if (typeof v === "number") scan.numbers[name] = v;
    else if (typeof v === "boolean") scan.numbers[name] = Number(v);
    else if (v instanceof TensorClass) {
      if (v.isDisposed) continue;
      if (v.size === 1 && v.dtype !== "string") {
        scan.tensorNames.push(name);
        scan.tensors.push(v);
      } else if (wantImages && isImageBatch(v)) {
        scan.images[name] = v;
      }
    } else if (typeof v === "object" && v !== null && !Array.isArray(v) && !seen.has(v) && Object.getPrototypeOf(v) === Object.prototype) {
      walk(v as Record<string, unknown>, `${name}/`, scan, wantImages, seen);
    }
  }
}
