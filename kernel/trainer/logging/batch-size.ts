/** Batch size inference for epoch means: first dim of the first tensor found depth-first in the batch (Lightning). */
import { TensorClass } from "../tf-handles";
import { MisconfigurationError } from "../errors";

export function inferBatchSize(batch: unknown, warn: (msg: string) => void): number {
  const sizes: number[] = [];
  walk(batch, sizes, new Set());
  if (sizes.length === 0) {
    throw new MisconfigurationError(
      "We could not infer the batch_size from the batch: it holds no tensor. Pass it explicitly: this.log(name, value, { batchSize: n }).",
    );
  }
  if (sizes.some((s) => s !== sizes[0])) {
    warn(`Trying to infer the \`batch_size\` from an ambiguous collection (sizes ${[...new Set(sizes)].join(", ")}); ` +
      `using ${sizes[0]}. Pass { batchSize } to this.log to be explicit.`);
  }
  return sizes[0];
}

function walk(v: unknown, out: number[], seen: Set<unknown>): void {
  if (v instanceof TensorClass) {
    out.push(v.rank === 0 ? 1 : v.shape[0]);
    return;
  }
  if (typeof v !== "object" || v === null || seen.has(v)) return;
  seen.add(v);
  const items = Array.isArray(v) ? v : v instanceof Map ? [...v.values()] : Object.values(v);
  for (const item of items) walk(item, out, seen);
}
