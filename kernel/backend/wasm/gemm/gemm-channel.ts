/**
 * The shared-memory protocol between the main thread and the GEMM worker (gemm-worker.ts). Both run our GEMM on the
 * same shared heap (the threaded build's WebAssembly.Memory), so a job is the GEMM's integer arguments. Its columns
 * are cut into bands of GEMM_BAND_COLS, and each thread claims bands until none is left (a compare-exchange on one
 * counter): the main thread starts at once, a worker that wakes late still takes the bands that remain, and one that
 * does not wake costs nothing but the post. Every strip of B is copied once, by the thread that computes it.
 */
import type { Gemm } from "./gemm-simd";

export { Command, WORKER_SPIN_MS } from "../parallel/channel";

export const enum GemmSlot {
  /** Bumped by the main thread for every command; the worker sleeps on it. */
  Seq = 0,
  Command = 1,
  /** Bands of the current job not yet claimed. A claim is a compare-exchange r → r − 1 and takes band r − 1. */
  Remaining = 2,
  /** Bands the worker finished in the current job (the main thread counts its own). */
  WorkerDone = 3,
  /** 1 while the worker sleeps in Atomics.wait: the main thread calls Atomics.notify only then. */
  WorkerAsleep = 4,
  /** Set to 1 by the worker once its GEMM instance is up: readable from synchronous kernels. */
  Ready = 5,
  /** 1 + the band the worker failed on (then it stops): the main thread computes the product itself. */
  Failed = 6,
  /** The GEMM's arguments for the whole product (gemm-simd.ts's Gemm, GEMM_ARGS of them), from here on. */
  Args = 7,
}
export const GEMM_ARGS = 13;
export const GEMM_CONTROL_SLOTS = GemmSlot.Args + GEMM_ARGS;
/** Columns per band: 4 strips of 8. Small enough to balance a 256-column product, large enough that a call's cost stays < 1 %. */
export const GEMM_BAND_COLS = 32;

export interface GemmWorkerInit {
  control: SharedArrayBuffer;
  /** The tfjs heap: a shared WebAssembly.Memory (structured-cloned to the worker, same backing store). */
  memory: unknown;
}

const B = 1, C = 2, K = 4, N = 5, BIAS = 6, SCRATCH = 8, BT = 11;

/** Claims the next band of the current job; -1 when none is left. */
export function claimBand(control: Int32Array): number {
  for (;;) {
    const r = Atomics.load(control, GemmSlot.Remaining);
    if (r <= 0) return -1;
    if (Atomics.compareExchange(control, GemmSlot.Remaining, r, r - 1) === r) return r - 1;
  }
}

/**
 * Computes band `band` of the product whose arguments are `args`, with the scratch strip `strip` (0: the main
 * thread's, 1: the worker's). The arguments are read only after a successful claim: the main thread posts the next
 * job only once every claimed band is done, so they cannot change underneath.
 */
export function computeBand(gemm: Gemm, args: Parameters<Gemm>, band: number, strip: number): void {
  const j0 = band * GEMM_BAND_COLS;
  const cols = Math.min(GEMM_BAND_COLS, args[N] - j0);
  gemm(
    args[0], args[B] + (args[BT] ? j0 * args[K] * 4 : j0 * 4), args[C] + j0 * 4, args[3], args[K], cols,
    args[BIAS] ? args[BIAS] + j0 * 4 : 0, args[7], args[SCRATCH] + strip * args[K] * 32, args[9], args[10], args[BT], args[12],
  );
}

export function bandsOf(n: number): number {
  return Math.ceil(n / GEMM_BAND_COLS);
}
