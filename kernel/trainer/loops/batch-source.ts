/** Adapts whatever the user passed as data (DataLoader, array of batches, iterable, tf.data.Dataset) to the loops. */
import * as tf from "@tensorflow/tfjs";
import { MisconfigurationError, describeValue } from "../errors";
import { DataLoader } from "../data/data-loader";
import type { BatchIterator } from "../maybe-async";
import { iteratorFrom } from "../data/resume-iterator";

/** `batches(epoch, start)`: one epoch's batches from `start` (a DataLoader over in-memory data answers synchronously). */
export type BatchSource = DataLoader | { length: number; batches(epoch: number, start: number): BatchIterator };

export function toBatchSource(data: unknown, what: string): BatchSource {
  if (data instanceof DataLoader) return data;
  if (data instanceof tf.data.Dataset) return new DataLoader(data);
  if (Array.isArray(data)) {
    // An array passed directly is a list of ready batches (Lightning accepts any iterable of batches).
    return { length: data.length, batches: (_e: number, start: number) => iteratorFrom(data, start) };
  }
  if (typeof data === "object" && data !== null && (Symbol.iterator in data || Symbol.asyncIterator in data)) {
    return { length: Infinity, batches: (_e: number, start: number) => iteratorFrom(data as Iterable<unknown>, start) };
  }
  throw new MisconfigurationError(
    `${what} must be a DataLoader, an array of batches, an (async) iterable or a tf.data.Dataset; got ${describeValue(data)}. ` +
      "Wrap tensors with new DataLoader({x, y}, {batchSize: 32}).",
  );
}

/** Lightning's limit_*_batches: a fraction of the length, or an absolute count. */
export function limitBatches(length: number, limit: number | null | undefined, option: string): number {
  if (limit === null || limit === undefined) return length;
  if (limit === 0) return 0;
  if (limit > 1 || (limit === 1 && Number.isInteger(limit) && !Number.isFinite(length))) {
    // An integral number > 1 (or exactly the integer 1 on an unknown-length source) is a count.
    return Math.min(length, limit);
  }
  if (limit === 1) return length;
  if (!Number.isFinite(length)) {
    throw new MisconfigurationError(
      `\`${option}\`=${limit} is a fraction, but the dataloader's length is unknown (an iterable). Pass an integer count instead.`,
    );
  }
  const n = Math.floor(length * limit);
  if (n === 0 && length > 0) {
    throw new MisconfigurationError(`\`${option}\`=${limit} selects 0 of ${length} batches. Please increase the \`${option}\`.`);
  }
  return n;
}
