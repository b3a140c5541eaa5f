// Main-thread side of the matmul worker: starting it (asynchronously: kernels are synchronous and
// cannot wait for a wasm backend to boot), posting one job, collecting it, stopping it. The worker
// is unref()'d, so it never keeps a process alive; any failure falls back to one thread with a
// single console warning.
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { Axis, Claim, Command, CONTROL_SLOTS, DATA_INITIAL_BYTES, DATA_MAX_BYTES, dataLayout, floatToBits, JobState, MAIN_SPIN_MS, Slot, type WorkerInit } from "./channel";

export const THREADS_ENV_VAR = "TSLAB_LIGHTNING_WASM_THREADS";

/** How long the main thread waits for a running worker job before giving up on the worker. */
const JOB_TIMEOUT_MS = 30_000;

export interface Job {
  rows: number;
  inner: number;
  cols: number;
  /** How the worker's part is cut into chunks (channel.ts), which fixes the layout of b and the output. */
  axis: Axis;
  chunks: number;
  a: Float32Array; // rows × inner
  /** inner × cols (with chunks along the columns: chunk-major), or cols × inner with `transposeB`; a function fills it in place. */
  b: Float32Array | ((into: Float32Array) => void);
  transposeB: boolean;
  bias: Float32Array | null;
  activation: number;
  alpha: number;
}

/** How a job ended: the worker computed some chunks, none, or failed (then the main thread computed them). */
export interface Outcome {
  ended: "done" | "reclaimed" | "failed";
  /** Chunks of the worker's part that the main thread computed. */
  takenBack: number;
}

interface Host {
  worker: Worker;
  control: Int32Array;
  data: SharedArrayBuffer;
  ready: Promise<boolean>;
  broken: boolean;
}

let host: Host | null = null;
let warned = false;

function warnOnce(why: string): void {
  if (warned) return;
  warned = true;
  console.warn(`tslab-lightning: the wasm matmul worker ${why}; wasm matmuls stay on one thread.`);
}

/** Threads the wasm tuning layer may use: os.availableParallelism(), or $TSLAB_LIGHTNING_WASM_THREADS. */
export function wantedThreads(): number {
  const raw = process.env[THREADS_ENV_VAR]?.trim();
  if (raw) {
    const n = Number(raw);
    if (Number.isInteger(n) && n >= 1) return n;
    warnOnce(`is off: ${THREADS_ENV_VAR}='${raw}' is not a positive integer`);
    return 1;
  }
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

/** Starts the worker in the background (no-op if running or if fewer than 2 threads are wanted). */
export function startWorker(): void {
  if (host != null || wantedThreads() < 2) return;
  const control = new SharedArrayBuffer(CONTROL_SLOTS * 4);
  // Growable in place, so a bigger job never has to hand the worker a new buffer.
  const data = new (SharedArrayBuffer as unknown as new (n: number, o: object) => SharedArrayBuffer)(DATA_INITIAL_BYTES, {
    maxByteLength: DATA_MAX_BYTES,
  });
  let worker: Worker;
  try {
    const init: WorkerInit = { control, data };
    worker = new Worker(path.join(__dirname, "matmul-worker.js"), { workerData: init });
  } catch (err) {
    warnOnce(`could not start (${(err as Error).message})`);
    return;
  }
  const h: Host = { worker, control: new Int32Array(control), data, ready: Promise.resolve(false), broken: false };
  h.ready = new Promise<boolean>((resolve) => {
    worker.on("message", (m: { ready?: boolean; failed?: string }) => {
      if (m.ready) resolve(true);
      if (m.failed) warnOnce(`failed a job (${m.failed.split("\n")[0]})`);
    });
    worker.on("error", (err) => {
      h.broken = true;
      warnOnce(`failed (${err.message})`);
      resolve(false);
    });
    worker.on("exit", () => {
      h.broken = true;
      resolve(false);
    });
  });
  // After the listeners: adding a 'message' listener re-refs the worker's port.
  worker.unref();
  host = h;
}

/** Stops the worker (unregisterWasmTuning). */
export function stopWorker(): void {
  const h = host;
  if (h == null) return;
  host = null;
  h.broken = true;
  Atomics.store(h.control, Slot.Command, Command.Stop);
  Atomics.add(h.control, Slot.Seq, 1);
  Atomics.notify(h.control, Slot.Seq);
  void h.worker.terminate();
}

/** Resolves true once the worker's backend is up (false: not started, or it failed). */
export async function whenWorkerReady(): Promise<boolean> {
  if (host == null) return false;
  // The worker is unref()'d: someone awaiting it must keep the event loop alive meanwhile.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    return await host.ready;
  } finally {
    clearInterval(keepAlive);
  }
}

/** True when a job can be posted now. Synchronous: reads the flag the worker sets in shared memory. */
export function workerReady(): boolean {
  return host != null && !host.broken && Atomics.load(host.control, Slot.Ready) === 1;
}

/** Copies the job's operands into shared memory and wakes the worker. False: too big, nothing posted. */
export function post(job: Job): boolean {
  const h = host!;
  const layout = dataLayout(job.rows, job.inner, job.cols, job.bias != null);
  const bytes = layout.end * 4;
  if (bytes > h.data.byteLength) {
    if (bytes > DATA_MAX_BYTES) return false;
    (h.data as unknown as { grow(n: number): void }).grow(Math.min(DATA_MAX_BYTES, 2 ** Math.ceil(Math.log2(bytes))));
  }
  const shared = new Float32Array(h.data, 0, layout.end);
  shared.set(job.a, layout.a);
  if (typeof job.b === "function") job.b(shared.subarray(layout.b, layout.bias));
  else shared.set(job.b, layout.b);
  if (job.bias != null) shared.set(job.bias, layout.bias);
  const c = h.control;
  c[Slot.Rows] = job.rows;
  c[Slot.Inner] = job.inner;
  c[Slot.Cols] = job.cols;
  c[Slot.HasBias] = job.bias != null ? 1 : 0;
  c[Slot.TransposeB] = job.transposeB ? 1 : 0;
  c[Slot.Activation] = job.activation;
  c[Slot.Alpha] = floatToBits(job.alpha);
  c[Slot.Axis] = job.axis;
  c[Slot.Chunks] = job.chunks;
  for (let i = 0; i < job.chunks; i++) Atomics.store(c, Slot.Claims + i, Claim.Free);
  Atomics.store(c, Slot.State, JobState.Posted);
  Atomics.store(c, Slot.Command, Command.MatMul);
  Atomics.add(c, Slot.Seq, 1);
  if (Atomics.load(c, Slot.WorkerAsleep) === 1) Atomics.notify(c, Slot.Seq);
  return true;
}

/**
 * Settles the posted job. The main thread computes (`here`) every chunk the worker has not
 * claimed yet, from the last down, or all of them if the worker has not even woken up (its core
 * is busy); then it waits for the worker's chunks, at most one of which is still running, and
 * hands each to `take` with the shared output region. A loaded machine so costs about one
 * thread's time, not a scheduler's wait for a descheduled worker.
 */
export function collect(here: (chunk: number) => void, take: (chunk: number, out: Float32Array) => void): Outcome {
  const h = host!;
  const c = h.control;
  const chunks = c[Slot.Chunks];
  if (Atomics.compareExchange(c, Slot.State, JobState.Posted, JobState.Cancelled) === JobState.Posted) {
    Atomics.store(c, Slot.State, JobState.Idle);
    for (let i = 0; i < chunks; i++) here(i);
    return { ended: "reclaimed", takenBack: chunks };
  }
  let taken = 0;
  for (let i = chunks - 1; i >= 0 && Atomics.compareExchange(c, Slot.Claims + i, Claim.Free, Claim.Main) === Claim.Free; i--) {
    here(i);
    taken++;
  }
  const spinUntil = performance.now() + MAIN_SPIN_MS;
  while (Atomics.load(c, Slot.State) === JobState.Running && performance.now() < spinUntil);
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  let state: number;
  while ((state = Atomics.load(c, Slot.State)) === JobState.Running && Date.now() < deadline) {
    Atomics.store(c, Slot.MainAsleep, 1);
    Atomics.wait(c, Slot.State, JobState.Running, 100); // returns at once if the job ended after the flag was set
    Atomics.store(c, Slot.MainAsleep, 0);
  }
  if (state !== JobState.Done) {
    // Never trust a failed (or hung) worker's output: everything it claimed is recomputed here.
    h.broken = true;
    warnOnce(state === JobState.Running ? `did not answer within ${JOB_TIMEOUT_MS / 1000} s` : "failed a job");
    for (let i = 0; i < chunks; i++) if (Atomics.load(c, Slot.Claims + i) !== Claim.Main) here(i);
    return { ended: "failed", takenBack: chunks };
  }
  const layout = dataLayout(c[Slot.Rows], c[Slot.Inner], c[Slot.Cols], c[Slot.HasBias] === 1);
  const out = new Float32Array(h.data, layout.out * 4, layout.end - layout.out);
  for (let i = 0; i < chunks; i++) if (Atomics.load(c, Slot.Claims + i) === Claim.WorkerDone) take(i, out);
  Atomics.store(c, Slot.State, JobState.Idle);
  return { ended: taken === chunks ? "reclaimed" : "done", takenBack: taken };
}
