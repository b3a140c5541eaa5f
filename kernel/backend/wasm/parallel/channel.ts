// The shared-memory protocol between the main thread and the matmul worker. Kernels are
// synchronous, so a postMessage round trip per matmul (an event-loop turn on both sides) is
// out; both threads meet on Int32 slots (Atomics.load spins, then Atomics.wait / notify).

/** Slots of the control array (Int32Array over its own small SharedArrayBuffer). */
export const enum Slot {
  /** Bumped by the main thread for every command; the worker sleeps on it. */
  Seq = 0,
  /** What the worker should do after the wake-up (a Command). */
  Command = 1,
  /** Job state (a JobState); the main thread sleeps on it while the worker computes. */
  State = 2,
  /** Set to 1 by the worker once its wasm backend is up: readable from synchronous code. */
  Ready = 3,
  Rows = 4, // rows of a (and of the output) the worker computes
  Inner = 5,
  Cols = 6, // columns of b (and of the output) the worker computes
  HasBias = 7,
  Activation = 8, // the wasm FusableActivation code
  Alpha = 9, // leakyrelu alpha, float32 bits
  TransposeB = 10, // 1: b arrives as its [cols, inner] rows and the worker transposes it
  /** 1 while that thread sleeps in Atomics.wait: the other side calls Atomics.notify only then. */
  WorkerAsleep = 11,
  MainAsleep = 12,
}

/**
 * Spinning before sleeping: waking a sleeping thread costs ~35 µs in Atomics.notify plus ~60 µs
 * until it runs (measured here, in a VM), a tenth of a 1 ms matmul. The worker spins this long
 * after a job (a backward pass posts the next big matmul soon after); the main thread spins
 * while the worker's part is running, since it has nothing else to do then.
 */
export const WORKER_SPIN_MS = 0.5;
export const MAIN_SPIN_MS = 20;
export const CONTROL_SLOTS = 16;

export const enum Command {
  MatMul = 1,
  Stop = 2,
}

/**
 * One job at a time. Posted → Running is the worker's claim; Posted → Cancelled is the main
 * thread taking the job back when the worker has not woken up by the time its own part is done
 * (the other core is busy): whoever wins the compare-exchange computes the rows.
 */
export const enum JobState {
  Idle = 0,
  Posted = 1,
  Running = 2,
  Done = 3,
  Cancelled = 4,
  Failed = 5,
}

/**
 * Data buffer layout in float32 elements for a job of `rows × inner` (a) times `inner × cols` (b):
 * a, then b, then the bias (cols), then the worker's output (rows × cols).
 */
export function dataLayout(rows: number, inner: number, cols: number, hasBias: boolean) {
  const a = 0;
  const b = a + rows * inner;
  const bias = b + inner * cols;
  const out = bias + (hasBias ? cols : 0);
  return { a, b, bias, out, end: out + rows * cols };
}

/** The data buffer grows in place (a growable SharedArrayBuffer), so it is never re-sent. */
export const DATA_INITIAL_BYTES = 4 << 20;
export const DATA_MAX_BYTES = 1 << 30;

export interface WorkerInit {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

/** float32 ↔ int32 bits, for passing a float through an Int32 slot. */
const bits = new DataView(new ArrayBuffer(4));
export function floatToBits(x: number): number {
  bits.setFloat32(0, x);
  return bits.getInt32(0);
}
export function bitsToFloat(x: number): number {
  bits.setInt32(0, x);
  return bits.getFloat32(0);
}
