// Chooses how to cut a matmul between the two threads. The main thread's extra work is what the
// split costs: copies into shared memory and back, transposes, and XNNPACK packing b (every call in
// training, since the weights are new tensors every step), counted in float32 elements moved.
//
//   rows: the worker computes a's lower rows. It needs all of b, and both threads pack all of it;
//         a transposed b is transposed whole, on the main thread, first.
//   cols: the worker computes the right-hand output columns. It needs all of a but only its half
//         of b (for a transposed b those are whole rows of b as stored, which the worker transposes
//         itself), and each thread packs half of b; both halves of the output are scattered
//         into place (XNNPACK's output row stride is the column count of its own part).
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
  const transposeA = s.transposeA ? m * k : 0; // on the main thread, before either split
  if (split === "rows") {
    const workerRows = m - mainShare(m);
    const transposeB = s.transposeB ? 2 * k * n : 0; // strided: about two copies' worth
    return transposeA + transposeB + workerRows * k + k * n + workerRows * n + k * n;
  }
  const mainCols = mainShare(n);
  const ownB = s.transposeB ? 2 * k * mainCols : k * mainCols; // transpose or gather of the main half
  return transposeA + ownB + m * k + k * (n - mainCols) + m * n + k * mainCols;
}

/** The cheaper split, or null when neither leaves both threads a part of at least 8. */
export function planSplit(s: Shape, force?: Split): Split | null {
  const fits = (split: Split) => (split === "rows" ? s.rows : s.cols) >= 2 * MIN_PART;
  if (force != null) return fits(force) ? force : null;
  const options = (["rows", "cols"] as const).filter(fits);
  if (options.length === 0) return null;
  return options.reduce((best, x) => (splitCost(s, x) < splitCost(s, best) ? x : best));
}
