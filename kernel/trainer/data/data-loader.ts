/**
 * `DataLoader(dataset, {batchSize, shuffle, dropLast, collate})` over
 *  - `{x: Tensor, y?: Tensor, ...}` (rows sliced on axis 0),
 *  - an array of samples (collated, default: stacked),
 *  - a `tf.data.Dataset` (batched with `batchSize` when given, else its elements are batches),
 *  - any (async) iterable of batches.
 * Tensor datasets are copied to host memory once and batches are built from typed arrays: slicing a large tensor
 * on wasm reads the whole tensor back for every batch (26 ms for 64 rows of 44 MB), a typed-array upload is ~0.05 ms.
 * Shuffling is seeded (seedEverything / `seed`) and depends on the epoch, so a resumed run sees the same order.
 */
import type { BatchIterator } from "../maybe-async";
import * as tf from "@tensorflow/tfjs";
import { describeValue } from "../errors";
import { globalSeed, mulberry32 } from "../seed";
import { defaultCollate } from "./collate";
import { iteratorFrom } from "./resume-iterator";

export interface DataLoaderOptions {
  batchSize?: number;
  shuffle?: boolean;
  dropLast?: boolean;
  collate?: (samples: any[]) => unknown;
  /** Shuffle seed; defaults to the `seedEverything` seed, else random per loader. */
  seed?: number;
}

type TensorDict = Record<string, tf.Tensor>;
interface HostColumn {
  data: tf.TypedArray;
  shape: number[];
  dtype: tf.DataType;
  rowSize: number;
}

export class DataLoader<B = any> implements AsyncIterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly collate: (samples: any[]) => unknown;
  private readonly seed: number;
  private host: Record<string, HostColumn> | null = null;

  constructor(readonly dataset: unknown, options: DataLoaderOptions = {}) {
    const { batchSize, shuffle = false, dropLast = false, collate = defaultCollate } = options;
    if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize <= 0)) {
      throw new TypeError(`DataLoader: batchSize must be a positive integer, got ${describeValue(batchSize)}.`);
    }
    this.batchSize = batchSize ?? 1;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.collate = collate;
    this.seed = options.seed ?? globalSeed() ?? Math.floor(Math.random() * 2 ** 31);
    if (!this.isTensorDict() && !Array.isArray(dataset) && !isIterable(dataset) && !isTfDataset(dataset)) {
      throw new TypeError(
        `DataLoader: unsupported dataset ${describeValue(dataset)}. Pass {x: tensor, y?: tensor}, an array of samples, ` +
          "a tf.data.Dataset, or an (async) iterable of batches.",
      );
    }
    if (this.isTensorDict()) {
      const sizes = Object.values(dataset as TensorDict).map((t) => t.shape[0]);
      if (sizes.some((s) => s !== sizes[0])) {
        throw new TypeError(`DataLoader: tensors in the dataset have different first dimensions (${sizes.join(", ")}); they must match.`);
      }
    }
  }

  /** Number of samples, when known. */
  get numSamples(): number {
    if (this.isTensorDict()) return Object.values(this.dataset as TensorDict)[0]?.shape[0] ?? 0;
    if (Array.isArray(this.dataset)) return this.dataset.length;
    return NaN;
  }

  /** Number of batches per epoch (Infinity when unknown, e.g. an iterable). */
  get length(): number {
    const n = this.numSamples;
    if (Number.isNaN(n)) return Infinity;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  [Symbol.asyncIterator](): AsyncIterator<B> {
    return this.iterate(0, 0)[Symbol.asyncIterator]();
  }

  /** Batches of `epoch`, starting at `startBatch` (resume) without building the skipped ones. */
  async *iterate(epoch: number, startBatch = 0): AsyncGenerator<B> {
    const it = this.batches(epoch, startBatch);
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }

  /**
   * The same batches as `iterate`, but in-memory datasets (tensor dicts, arrays) answer `next()` synchronously once
   * the host copy exists: the training loop then pays no promise per batch.
   */
  batches(epoch: number, startBatch = 0): BatchIterator<B> {
    if (!this.isTensorDict() && !Array.isArray(this.dataset)) return this.streamed(epoch, startBatch);
    const n = this.numSamples;
    const length = this.length;
    const order = this.order(n, epoch);
    const tensorDict = this.isTensorDict();
    let b = startBatch;
    const nextNow = (): IteratorResult<B> => {
      if (b >= length) return { done: true, value: undefined };
      const idx = order.subarray(b * this.batchSize, Math.min(n, (b + 1) * this.batchSize));
      b++;
      const batch = this.host ? gatherRows(this.host, idx) : this.collate(Array.from(idx, (i) => (this.dataset as unknown[])[i]));
      return { done: false, value: batch as B };
    };
    return {
      next: () => {
        if (tensorDict && !this.host) {
          // The first batch of a tensor dataset waits for the one-time host copy (an async device read).
          return toHost(this.dataset as TensorDict).then((host) => {
            this.host ??= host;
            return nextNow();
          });
        }
        return nextNow();
      },
      return: () => {
        b = length;
        return { done: true, value: undefined };
      },
    };
  }

  private streamed(epoch: number, startBatch: number): BatchIterator<B> {
    if (!isTfDataset(this.dataset)) return iteratorFrom(this.dataset as Iterable<unknown>, startBatch) as BatchIterator<B>;
    let ds = this.dataset as tf.data.Dataset<any>;
    if (this.shuffle) ds = ds.shuffle(1024, String(this.seed + epoch));
    return iteratorFrom(wrapTfDataset(ds, this.batchSize > 1 ? this.batchSize : undefined, this.dropLast), startBatch) as BatchIterator<B>;
  }

  private order(n: number, epoch: number): Uint32Array {
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (this.shuffle) {
      const rand = mulberry32((this.seed + Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }

  private isTensorDict(): boolean {
    const d = this.dataset;
    return typeof d === "object" && d !== null && !Array.isArray(d) && !isIterable(d) && !isTfDataset(d) &&
      Object.keys(d).length > 0 && Object.values(d).every((v) => v instanceof tf.Tensor);
  }
}

function isIterable(v: unknown): boolean {
  return typeof v === "object" && v !== null && (Symbol.iterator in v || Symbol.asyncIterator in v);
}

function isTfDataset(v: unknown): boolean {
  return v instanceof tf.data.Dataset;
}

async function* wrapTfDataset(ds: tf.data.Dataset<any>, batchSize: number | undefined, dropLast: boolean): AsyncGenerator<unknown> {
  const it = await (batchSize ? ds.batch(batchSize, !dropLast) : ds).iterator();
  for (;;) {
    const r = await it.next();
    if (r.done) return;
    yield r.value;
  }
}

async function toHost(dict: TensorDict): Promise<Record<string, HostColumn>> {
  const out: Record<string, HostColumn> = {};
  for (const [k, t] of Object.entries(dict)) {
    const data = (await t.data()) as tf.TypedArray;
    out[k] = { data, shape: t.shape, dtype: t.dtype, rowSize: t.shape.slice(1).reduce((a, b) => a * b, 1) };
  }
  return out;
}

function gatherRows(host: Record<string, HostColumn>, idx: Uint32Array): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, col] of Object.entries(host)) {
    const shape = [idx.length, ...col.shape.slice(1)];
    let contiguous = idx.length > 0;
    for (let i = 1; i < idx.length && contiguous; i++) contiguous = idx[i] === idx[i - 1] + 1;
    if (contiguous) {
      // Unshuffled rows: hand tfjs a view (the host copy is never written after loading, so sharing it is safe).
      out[k] = tf.tensor(col.data.subarray(idx[0] * col.rowSize, (idx[0] + idx.length) * col.rowSize), shape, col.dtype);
      continue;
    }
    const Ctor = col.data.constructor as new (n: number) => tf.TypedArray;
    const buf = new Ctor(idx.length * col.rowSize);
    idx.forEach((row, i) => buf.set(col.data.subarray(row * col.rowSize, (row + 1) * col.rowSize), i * col.rowSize));
    out[k] = tf.tensor(buf, shape, col.dtype);
  }
  return out;
}
