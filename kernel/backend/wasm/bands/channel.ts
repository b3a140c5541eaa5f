/**
 * The shared-memory protocol between the main thread and the band worker (band-worker.ts). Both run the same
 * hand-encoded kernels (band-kernels.ts) on the same shared heap (the threaded build's WebAssembly.Memory), so a job is
 * a kind and its integer arguments. The job is cut into bands (column bands of a GEMM, element ranges of an Adam
 * update), and each thread claims bands until none is left (a compare-exchange on one counter): the main thread starts
 * at once, a worker that wakes late still takes the bands that remain, and one that does not wake costs nothing but
 * the post.
 */
export const enum Command {
  Run = 1,
  Stop = 2,
}

export const enum BandSlot {
  /** Bumped by the main thread for every command; the worker sleeps on it. */
  Seq = 0,
  Command = 1,
  /** Bands of the current job not yet claimed. A claim is a compare-exchange r → r − 1 and takes band r − 1. */
  Remaining = 2,
  /** Bands the worker finished in the current job (the main thread counts its own). */
  WorkerDone = 3,
  /** 1 while the worker sleeps in Atomics.wait: the main thread calls Atomics.notify only then. */
  WorkerAsleep = 4,
  /** Set to 1 by the worker once its kernels are bound: readable from synchronous kernels. */
  Ready = 5,
  /** 1 + the band the worker failed on (then it stops): the main thread computes the job itself. */
  Failed = 6,
  /** The job's JobKind. */
  Kind = 7,
  /** The job's arguments (band-kernels.ts), MAX_ARGS slots from here on. */
  Args = 8,
}
export const MAX_ARGS = 16;
export const CONTROL_SLOTS = BandSlot.Args + MAX_ARGS;

export const enum JobKind {
  Gemm = 1,
  Adam = 2,
}

/**
 * After a job the worker spins this long before sleeping: a training step posts its next product within a few
 * milliseconds (an MLP step is ~2.5 ms), and waking a sleeping thread costs ~50–100 µs here, a third of such a product.
 */
export const BAND_WORKER_SPIN_MS = 3;

export interface BandWorkerInit {
  control: SharedArrayBuffer;
  /** The tfjs heap: a shared WebAssembly.Memory (structured-cloned to the worker, same backing store). */
  memory: unknown;
}

/** Claims the next band of the current job; -1 when none is left. */
export function claimBand(control: Int32Array): number {
  for (;;) {
    const r = Atomics.load(control, BandSlot.Remaining);
    if (r <= 0) return -1;
    if (Atomics.compareExchange(control, BandSlot.Remaining, r, r - 1) === r) return r - 1;
  }
}
