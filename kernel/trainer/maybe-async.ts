/**
 * Values that are ready now or later. The per-batch path stays synchronous unless something in it (a user hook, a
 * data source) is really async: every needless `async` frame and `await` costs microseconds, and ~40 of them per
 * batch measured 2–4 % of a 4 ms MLP step.
 */
import type { MaybePromise } from "./hooks";

export type { MaybePromise };

export function isPromise<T = unknown>(v: unknown): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === "function";
}

/** `f(v)` now when `v` is a plain value, after it settles when it is a promise. */
export function andThen<T, R>(v: MaybePromise<T>, f: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return isPromise<T>(v) ? v.then(f) : f(v);
}

/** An iterator whose `next()` answers synchronously when it can (in-memory batches) and with a promise otherwise. */
export interface BatchIterator<T = unknown> {
  next(): MaybePromise<IteratorResult<T>>;
  return?(value?: unknown): MaybePromise<IteratorResult<T>>;
}
