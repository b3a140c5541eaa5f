/**
 * Logged values of one loop (training or evaluation), keyed by `<hook>.<name>` like Lightning's `_ResultCollection`.
 * Tensor values are queued and read back in ONE device read per flush (no synchronous reads anywhere), which is what
 * keeps logging cheap on wasm/webgpu.
 */
import * as tf from "@tensorflow/tfjs";
import type { LogMeta, LogOptions } from "./log-options";
import type { MaybePromise } from "../maybe-async";

export interface LogEntry {
  hook: string;
  name: string;
  meta: LogMeta;
  /** The options `this.log` last validated for this entry, so the same call needs no validation again. */
  validatedWith: ValidatedOptions | null;
  /** Last value logged in this step (step view). */
  last: number;
  hasLast: boolean;
  /** Epoch accumulators. */
  sum: number;
  weight: number;
  extreme: number;
  count: number;
}

/** The five options of a validated `log` call (batchSize is checked per call) and how many keys its options had. */
export interface ValidatedOptions extends Omit<LogOptions, "batchSize"> {
  keys: number;
}

interface PendingUpdate {
  entry: LogEntry;
  value: number | tf.Tensor;
  batchSize: number;
}

export interface MetricViews {
  log: Record<string, number>;
  callback: Record<string, number>;
  pbar: Record<string, number>;
}

export class ResultCollection {
  /** Every entry in the order it was first logged (the order of the published metric dicts). */
  private readonly entries: LogEntry[] = [];
  /** The same entries by hook, then name: the per-call lookup builds no `hook.name` string. */
  private readonly byHook = new Map<string, Map<string, LogEntry>>();
  private pending: PendingUpdate[] = [];

  constructor(readonly training: boolean) {}

  /** The entry `hook.name` if it exists (the common case: the same metric logged again in the next batch). */
  existing(hook: string, name: string): LogEntry | undefined {
    return this.byHook.get(hook)?.get(name);
  }

  /** Registers (or re-checks) an entry; returns "conflict" when the same name was logged in this hook with other options. */
  entry(hook: string, name: string, meta: LogMeta): LogEntry | "conflict" {
    const existing = this.existing(hook, name);
    if (existing) return sameMeta(existing.meta, meta) ? existing : "conflict";
    const init = meta.reduceFx === "max" ? -Infinity : meta.reduceFx === "min" ? Infinity : 0;
    const e: LogEntry = { hook, name, meta, validatedWith: null, last: NaN, hasLast: false, sum: 0, weight: 0, extreme: init, count: 0 };
    this.entries.push(e);
    let named = this.byHook.get(hook);
    if (!named) this.byHook.set(hook, (named = new Map()));
    named.set(name, e);
    return e;
  }

  /** Forked names produced by the entries other than `hook.name` (to catch `a_step` colliding with a forked `a`). */
  exportedNames(hook: string, name: string): Set<string> {
    const out = new Set<string>();
    for (const e of this.entries) {
      if (e.hook === hook && e.name === name) continue;
      const fork = e.meta.onStep && e.meta.onEpoch;
      if (fork) {
        out.add(`${e.name}_step`);
        out.add(`${e.name}_epoch`);
      }
    }
    return out;
  }

  hasEntryNamed(name: string): boolean {
    return this.entries.some((e) => e.name === name);
  }

  /** Queues a value; tensors must be kept by the caller's scope until `flush`. */
  update(entry: LogEntry, value: number | tf.Tensor, batchSize: number): void {
    this.pending.push({ entry, value, batchSize });
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /**
   * Applies queued values in log order. All queued tensors and the `extra` one-element tensors (e.g. the scalars of
   * a batch's outputs, which the caller keeps owning) are read in ONE device read; returns the values of `extra`.
   * Not an async function: with nothing to read it answers at once, and the per-batch read costs one promise, not
   * one per caller frame.
   */
  flush(extra: readonly tf.Tensor[] = []): MaybePromise<Float32Array> {
    const queue = this.pending;
    this.pending = [];
    const own: tf.Tensor[] = [];
    for (const u of queue) if (typeof u.value !== "number") own.push(u.value);
    const all = extra.length === 0 ? own : [...own, ...extra];
    if (all.length === 0) {
      applyQueue(queue, NOTHING_READ);
      return NOTHING_READ;
    }
    // One tensor (the common case: a loss) is read directly; several are packed into one read.
    const packed = all.length === 1 ? all[0] : tf.tidy(() => pack(all));
    const release = () => {
      if (packed !== all[0]) packed.dispose();
      for (const t of own) t.dispose();
    };
    return packed.data().then(
      (values) => {
        let read: Float32Array;
        try {
          // A float32 read (always, for a pack) is used as it is: nothing writes to it before applyQueue and the
          // listeners have read it. Per-batch typed arrays are dear in situ (a buffer plus external-memory accounting).
          read = values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
        } finally {
          release();
        }
        applyQueue(queue, read);
        return extra.length === 0 ? NOTHING_READ : read.subarray(own.length);
      },
      (error) => {
        release();
        throw error;
      },
    );
  }

  /** Drops queued tensors (on error) without reading them. */
  discardPending(): void {
    for (const u of this.pending) if (typeof u.value !== "number") u.value.dispose();
    this.pending = [];
  }

  /** Lightning's `metrics(on_step)`: the step view (last values) or the epoch view (reductions). */
  metrics(onStep: boolean): MetricViews {
    const views: MetricViews = { log: {}, callback: {}, pbar: {} };
    this.metricsInto(onStep, views);
    return views;
  }

  /** `metrics(onStep)` written straight into `views` (the trainer's own dicts when no one needs the step's view). */
  metricsInto(onStep: boolean, views: MetricViews): void {
    for (const e of this.entries) {
      const fork = e.meta.onStep && e.meta.onEpoch;
      let value: number;
      let forked: string;
      if (onStep) {
        if (!e.meta.onStep || !e.hasLast) continue;
        value = e.last;
        forked = fork ? `${e.name}_step` : e.name;
      } else {
        if (!e.meta.onEpoch || e.count === 0) continue;
        value = reduce(e);
        forked = fork ? `${e.name}_epoch` : e.name;
      }
      if (e.meta.logger) views.log[forked] = value;
      // Eval loops only publish epoch-level values to callbackMetrics (Lightning §4.4).
      if (this.training || !onStep) {
        views.callback[e.name] = value;
        views.callback[forked] = value;
      }
      if (e.meta.progBar) views.pbar[forked] = value;
    }
  }

  /** Resets accumulators and step values (after epoch metrics were published). Entries stay registered. */
  reset(): void {
    for (const e of this.entries) {
      e.hasLast = false;
      e.sum = 0;
      e.weight = 0;
      e.count = 0;
      e.extreme = e.meta.reduceFx === "max" ? -Infinity : e.meta.reduceFx === "min" ? Infinity : 0;
    }
  }

  /** Forgets everything (new run). */
  clear(): void {
    this.discardPending();
    this.entries.length = 0;
    this.byHook.clear();
  }
}

const NOTHING_READ = new Float32Array(0);

/** One float32 vector of one-element tensors: a single stack when they are float32 scalars (what `log` queues). */
function pack(ts: readonly tf.Tensor[]): tf.Tensor {
  if (ts.every((t) => t.rank === 0 && t.dtype === "float32")) return tf.stack(ts as tf.Tensor[]);
  return tf.concat(ts.map((t) => t.reshape([1]).cast("float32")));
}

/** Applies queued updates in log order, tensor values taken from `read` in queue order. */
function applyQueue(queue: readonly PendingUpdate[], read: Float32Array): void {
  let k = 0;
  for (const u of queue) apply(u.entry, typeof u.value === "number" ? u.value : read[k++], u.batchSize);
}

function apply(e: LogEntry, v: number, batchSize: number): void {
  if (e.meta.onStep) {
    e.last = v;
    e.hasLast = true;
  }
  if (!e.meta.onEpoch) return;
  e.count++;
  switch (e.meta.reduceFx) {
    case "mean":
    case "avg":
      e.sum += v * batchSize;
      e.weight += batchSize;
      break;
    case "sum":
      e.sum += v;
      break;
    case "max":
      e.extreme = Math.max(e.extreme, v);
      break;
    case "min":
      e.extreme = Math.min(e.extreme, v);
      break;
  }
  if (!e.meta.onStep) {
    // The callback view of an epoch-only metric during the epoch is its running reduction.
    e.last = v;
  }
}

function reduce(e: LogEntry): number {
  switch (e.meta.reduceFx) {
    case "mean":
    case "avg":
      return e.weight === 0 ? NaN : e.sum / e.weight;
    case "sum":
      return e.sum;
    default:
      return e.extreme;
  }
}

export function sameMeta(m: LogMeta, meta: LogMeta): boolean {
  return m.onStep === meta.onStep && m.onEpoch === meta.onEpoch && m.progBar === meta.progBar &&
    m.logger === meta.logger && m.reduceFx === meta.reduceFx;
}
