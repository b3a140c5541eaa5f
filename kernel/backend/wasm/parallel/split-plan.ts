// Chooses how to cut a matmul between the two threads. Both parts take the same compute; what
// differs is the extra work, estimated in the time of copying one float32 (measured on this
// machine's wasm XNNPACK build: packing b, which tfjs asks XNNPACK to do with a transpose and
// which training repeats every call since the weights are new tensors every step, costs ~3.4 of
// those per element of b; a transpose ~2). The longer of the two threads' paths counts:
//
//   rows: the worker computes a's lower rows. It needs all of b, and both threads pack all of
//         it; a transposed b is transposed whole, on the main thread, before anything else.
//   cols: the worker computes the right-hand output columns. It needs all of a but only its part
//         of b (for a transposed b those are whole rows of b as stored, which it transposes
//         itself), each thread packs its part only, and both parts of the output are scattered
//         into place (XNNPACK's output row stride is the column count of its own part).
const PACK = 3.4;
const TRANSPOSE = 2;

export type Split = "rows" | "cols";

export interface Shape {
  rows: number; // M, a's rows after folding a's batch
  inner: number; // K
  cols: number; // N
  transposeA: boolean;
  transposeB: boolean;
}

/** Parts smaller than XNNPACK's tiles waste the worker's wake-up. */
const MIN_PART = 8;

/** The main thread's share of `n` rows or columns: half, rounded to 8 (XNNPACK tiles are 8 wide). */
export function mainShare(n: number): number {
  return Math.max(MIN_PART, Math.round(n / 16) * 8);
}

export function splitCost(s: Shape, split: Split): number {
  const { rows: m, inner: k, cols: n } = s;
  const transposeA = s.transposeA ? TRANSPOSE * m * k : 0; // whole, on the main thread, either way
  if (split === "rows") {
    const there = m - mainShare(m);
    const before = transposeA + (s.transposeB ? TRANSPOSE * k * n : 0) + there * k + k * n; // operands into shared memory
    const mainPart = PACK * k * n;
    const workerPart = there * k + k * n + PACK * k * n + there * n; // copy in, pack, copy out
    return before + Math.max(mainPart, workerPart) + there * n;
  }
  const here = mainShare(n);
  const there = n - here;
  const makeContiguous = s.transposeB ? TRANSPOSE : 1; // transpose whole rows, or gather columns
  const before = transposeA + m * k + makeContiguous * k * there;
  const mainPart = makeContiguous * k * here + PACK * k * here + m * here;
  const workerPart = m * k + k * there + (s.transposeB ? TRANSPOSE * k * there : 0) + PACK * k * there + m * there;
  return before + Math.max(mainPart, workerPart) + m * there;
}

/** The cheaper split, or null when neither leaves both threads a part of at least 8. */
export function planSplit(s: Shape, force?: Split): Split | null {
  const fits = (split: Split) => (split === "rows" ? s.rows : s.cols) >= 2 * MIN_PART;
  if (force != null) return fits(force) ? force : null;
  const options = (["rows", "cols"] as const).filter(fits);
  if (options.length === 0) return null;
  return options.reduce((best, x) => (splitCost(s, x) < splitCost(s, best) ? x : best));
}
