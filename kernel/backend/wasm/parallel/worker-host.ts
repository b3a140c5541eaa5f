// Main-thread side of the matmul worker: starting it (asynchronously: kernels are synchronous and
// cannot wait for a wasm backend to boot), posting one job, collecting it, stopping it. The worker
// is unref()'d, so it never keeps a process alive; any failure falls back to one thread with a
// single console warning.
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { Command, CONTROL_SLOTS, DATA_INITIAL_BYTES, DATA_MAX_BYTES, dataLayout, floatToBits, JobState, MAIN_SPIN_MS, Slot, type WorkerInit } from "./channel";

export const THREADS_ENV_VAR = "TSLAB_LIGHTNING_WASM_THREADS";

/** How long the main thread waits for a running worker job before giving up on the worker. */
const JOB_TIMEOUT_MS = 30_000;

export interface Job {
  rows: number;
  inner: number;
  cols: number;
  a: Float32Array; // rows × inner
  /** inner × cols, or cols × inner with `transposeB`; a function fills a strided part in place. */
  b: Float32Array | ((into: Float32Array) => void);
  transposeB: boolean;
  bias: Float32Array | null;
  activation: number;
  alpha: number;
}

/** What `collect` found: the worker's rows are in `out`, or the caller must compute them itself. */
export type Outcome = "done" | "reclaimed" | "failed";

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
  Atomics.store(c, Slot.State, JobState.Posted);
  Atomics.store(c, Slot.Command, Command.MatMul);
  Atomics.add(c, Slot.Seq, 1);
  if (Atomics.load(c, Slot.WorkerAsleep) === 1) Atomics.notify(c, Slot.Seq);
  return true;
}

/**
 * Waits for the posted job. If the worker has not claimed it yet (its core is busy), takes it
 * back at once, so a loaded machine costs one thread's time, not a scheduler's wait.
 * On "done", `copyOut` receives the worker's output (rows × cols, a view on shared memory).
 */
export function collect(copyOut: (rows: Float32Array) => void): Outcome {
  const h = host!;
  const c = h.control;
  if (Atomics.compareExchange(c, Slot.State, JobState.Posted, JobState.Cancelled) === JobState.Posted) {
    Atomics.store(c, Slot.State, JobState.Idle);
    return "reclaimed";
  }
  const spinUntil = performance.now() + MAIN_SPIN_MS;
  while (Atomics.load(c, Slot.State) === JobState.Running && performance.now() < spinUntil);
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  let state: number;
  while ((state = Atomics.load(c, Slot.State)) === JobState.Running) {
    if (Date.now() > deadline) {
      h.broken = true;
      warnOnce(`did not answer within ${JOB_TIMEOUT_MS / 1000} s`);
      return "failed";
    }
    Atomics.store(c, Slot.MainAsleep, 1);
    Atomics.wait(c, Slot.State, JobState.Running, 100); // returns at once if the job ended after the flag was set
    Atomics.store(c, Slot.MainAsleep, 0);
  }
  if (state === JobState.Done) {
    const layout = dataLayout(c[Slot.Rows], c[Slot.Inner], c[Slot.Cols], c[Slot.HasBias] === 1);
    copyOut(new Float32Array(h.data, layout.out * 4, layout.end - layout.out));
  } else {
    h.broken = true;
    warnOnce("failed a job");
  }
  Atomics.store(c, Slot.State, JobState.Idle);
  return state === JobState.Done ? "done" : "failed";
}
