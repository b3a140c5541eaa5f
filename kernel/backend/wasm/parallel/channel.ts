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
  Axis = 13, // an Axis: which dimension the worker's part is cut along into chunks
  Chunks = 14,
  /** One Claim per chunk from here on. */
  Claims = 16,
}

/**
 * The worker's part is cut into chunks so that a worker slowed down by other processes costs at
 * most one chunk of waiting: the worker claims chunks from the first up, the main thread, once
 * its own part is done, claims what is left from the last down (compare-exchange on each slot).
 */
export const enum Claim {
  Free = 0,
  Worker = 1, // claimed by the worker, computing
  WorkerDone = 2, // its output is in shared memory
  Main = 3, // claimed by the main thread, which computes it from its own heap
}
export const MAX_CHUNKS = 8;

export const enum Axis {
  Rows = 0,
  Cols = 1,
}

/** Start of chunk `i` of `count` along an extent (the end is the next chunk's start), multiples of 8. */
export function chunkStart(extent: number, count: number, i: number): number {
  return i >= count ? extent : Math.round((i * extent) / count / 8) * 8;
}

/**
 * Spinning before sleeping: waking a sleeping thread costs ~35 µs in Atomics.notify plus ~60 µs
 * until it runs (measured here, in a VM), a tenth of a 1 ms matmul. The worker spins this long
 * after a job (a backward pass posts the next big matmul soon after); the main thread spins
 * while the worker's part is running, since it has nothing else to do then.
 */
export const WORKER_SPIN_MS = 0.5;
export const MAIN_SPIN_MS = 2;
export const CONTROL_SLOTS = Slot.Claims + MAX_CHUNKS;

export const enum Command {
  MatMul = 1,
  Stop = 2,
}

/**
 * One job at a time. Posted → Running is the worker's claim; Posted → Cancelled is the main
 * thread taking the whole job back when the worker has not even woken up by the time its own
 * part is done (the other core is busy).
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
 * a, then b, then the bias (cols), then the worker's output (rows × cols). With chunks along
 * the columns, b and the output hold one contiguous block per chunk, chunk after chunk (b's
 * block of chunk [c0, c1) starts at inner · c0, the output's at rows · c0).
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
