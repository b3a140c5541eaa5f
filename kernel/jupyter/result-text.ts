/** The text/plain form of a cell's last expression, as the Node REPL would show it. */
import { inspect } from "node:util";

interface TensorLike {
  shape: number[];
  dtype: string;
  isDisposed?: boolean;
  array(): Promise<unknown>;
}

function isTensorLike(value: unknown): value is TensorLike {
  const v = value as Partial<TensorLike> | null;
  return typeof v === "object" && v !== null && typeof v.array === "function" && Array.isArray(v.shape) && typeof v.dtype === "string";
}

/**
 * A tf.Tensor is shown with its values, read asynchronously: `toString()` reads synchronously, which the webgpu
 * backend in Node cannot do. Other values use util.inspect (which would print a tensor's backend internals).
 */
export async function resultText(value: unknown): Promise<string> {
  if (!isTensorLike(value)) return inspect(value);
  if (value.isDisposed) return `Tensor (disposed) shape [${value.shape.join(", ")}] ${value.dtype}`;
  const values = await value.array();
  return `Tensor ${value.dtype} [${value.shape.join(", ")}]\n${inspect(values, { depth: null, maxArrayLength: 20, breakLength: 100 })}`;
}
