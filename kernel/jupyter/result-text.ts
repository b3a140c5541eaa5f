/** The text/plain form of a cell's last expression, as the Node REPL would show it. */
import { inspect } from "node:util";

interface TensorLike {
  dataSync(): unknown;
  shape: number[];
  toString(verbose?: boolean): string;
}

function isTensorLike(value: unknown): value is TensorLike {
  const v = value as Partial<TensorLike> | null;
  return typeof v === "object" && v !== null && typeof v.dataSync === "function" && Array.isArray(v.shape);
}

export function resultText(value: unknown): string {
  // A tf.Tensor's own toString prints its values; inspect() would print backend internals.
  if (isTensorLike(value)) return value.toString();
  return inspect(value);
}
