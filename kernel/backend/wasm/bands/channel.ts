/**
 * The shared-memory protocol between the main thread and the band worker (band-worker.ts). Both run the same
 * hand-encoded kernels (band-kernels.ts) on the same shared heap (the threaded build's WebAssembly.Memory), so a job is
 * a kind and its integer arguments. The job is cut into units (8-column strips of a GEMM, 4 096-element ranges of an
 * Adam update), and each thread claims runs of units until none is left (a compare-exchange on one counter): the main
 * thread starts at once, a worker that wakes late still takes what remains, and one that does not wake costs nothing
 * but the post. Each claim takes a quarter of what is left (guided scheduling): few calls while much is left, single
 * units at the end, so neither thread waits long for the other's last run.
 */
export const enum Command {
  Run = 1,
  Stop = 2,
}

export const enum BandSlot {
  /** Bumped by the main thread for every command; the worker sleeps on it. */
  Seq = 0,
  Command = 1,
  /** Units of the current job not yet claimed. A claim is a compare-exchange r → r − k and takes units [r − k, r). */
  Remaining = 2,
  /** Units the worker finished in the current job (the main thread counts its own). */
  WorkerDone = 3,
  /** 1 while the worker sleeps in Atomics.wait: the main thread calls Atomics.notify only then. */
  WorkerAsleep = 4,
  /** Set to 1 by the worker once its kernels are bound: readable from synchronous kernels. */
  Ready = 5,
  /** 1 once the worker failed a claim (then it stops): the main thread computes the job itself. */
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

/**
 * Claims the next run of units of the current job: a quarter of those left (at least one). Returns
 * first · 2^16 + count, or -1 when none is left (jobs have fewer than 2^16 units).
 */
export function claimUnits(control: Int32Array): number {
  for (;;) {
    const r = Atomics.load(control, BandSlot.Remaining);
    if (r <= 0) return -1;
    const k = Math.max(1, r >> 2);
    if (Atomics.compareExchange(control, BandSlot.Remaining, r, r - k) === r) return (r - k) * 65536 + k;
  }
}

export const firstOf = (claim: number) => Math.floor(claim / 65536);
export const countOf = (claim: number) => claim % 65536;
