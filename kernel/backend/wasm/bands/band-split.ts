/**
 * Our kernels on both cores: with the threaded build's shared heap, a worker thread (band-worker.ts) binds the same
 * GEMM and Adam modules to the same memory. The main thread posts a job (its kind and integer arguments, no copies) and
 * both threads claim runs of its units until none is left (channel.ts); the main thread then waits for the worker's
 * last run.
 * Whether a job shape is split is decided by the payoff rule of the other two-thread paths (parallel/payoff.ts): every
 * 8th call runs on one thread as the reference, and a shape that stops gaining ≥ 5 % (the other core busy) goes back
 * to one thread for 1–30 s. The worker starts on the first eligible call, is unref()'d, and any failure leaves the
 * kernels on one thread.
 */
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { record, verdict } from "../parallel/payoff";
import type { WasmMemory } from "../wasm-heap";
import { bindBandKernels, computeUnits, unitCount, type BandKernels } from "./band-kernels";
import { BandSlot, claimUnits, Command, CONTROL_SLOTS, countOf, firstOf, JobKind, type BandWorkerInit } from "./channel";

export const BAND_SPLIT_ENV_VAR = "TSLAB_LIGHTNING_BAND_SPLIT";
/** `enabled`: tests, benchmarks (TSLAB_LIGHTNING_BAND_SPLIT=0 switches it off). */
export const bandSplitSettings = { enabled: process.env[BAND_SPLIT_ENV_VAR] !== "0" };
/** Jobs posted to the worker, and units it computed (tests and benchmarks). */
export const bandSplitCounts = { posted: 0, workerUnits: 0 };
/** A claim ends in well under a millisecond; past this the worker is taken as gone. */
const BAND_TIMEOUT_MS = 30_000;

interface BandWorker {
  worker: Worker;
  control: Int32Array;
  broken: boolean;
}
const workers = new WeakMap<object, BandWorker>();
const mainKernels = new WeakMap<object, BandKernels>();

function warn(why: string): void {
  console.warn(`tslab-lightning: the wasm band worker ${why}; its kernels stay on one thread.`);
}

/** The worker of this heap if it is up; starts it (asynchronously) on first use. */
function readyWorker(memory: WasmMemory): BandWorker | null {
  let w = workers.get(memory);
  if (w == null) {
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
    const init: BandWorkerInit = { control: control.buffer as SharedArrayBuffer, memory };
    const bw: BandWorker = { worker: new Worker(path.join(__dirname, "band-worker.js"), { workerData: init }), control, broken: false };
    bw.worker.on("error", (err) => {
      bw.broken = true;
      warn(`failed (${err.message})`);
    });
    bw.worker.on("message", (m: { failed?: string }) => m.failed && warn(`failed a band (${m.failed.split("\n")[0]})`));
    bw.worker.on("exit", () => (bw.broken = true));
    // After the listeners: adding a 'message' listener re-refs the worker's port.
    bw.worker.unref();
    workers.set(memory, (w = bw));
  }
  return !w.broken && Atomics.load(w.control, BandSlot.Ready) === 1 ? w : null;
}

/** Stops the worker of this heap (unregisterWasmTuning). */
export function stopBandWorker(memory: WasmMemory | null): void {
  const w = memory && workers.get(memory);
  if (!w) return;
  workers.delete(memory);
  w.broken = true;
  Atomics.store(w.control, BandSlot.Command, Command.Stop);
  Atomics.add(w.control, BandSlot.Seq, 1);
  Atomics.notify(w.control, BandSlot.Seq);
}

/**
 * Runs a job of `kind` with `args` (band-kernels.ts): on two threads when `big` and it pays for shape `key`, else all
 * of it here.
 */
export function runBands(memory: WasmMemory, kind: JobKind, args: number[], key: string, big: boolean): void {
  let kernels = mainKernels.get(memory);
  if (!kernels) mainKernels.set(memory, (kernels = bindBandKernels(memory)));
  const units = unitCount(kind, args);
  const shared = typeof SharedArrayBuffer === "function" && memory.buffer instanceof SharedArrayBuffer;
  const w = bandSplitSettings.enabled && shared && big && units >= 2 ? readyWorker(memory) : null;
  const v = w == null ? "off" : verdict(key);
  if (v === "off") return computeUnits(kernels, kind, args, 0, units, 0);
  const t0 = performance.now();
  if (v === "solo") {
    computeUnits(kernels, kind, args, 0, units, 0);
    record(key, "solo", performance.now() - t0);
    return;
  }
  post(w!, kind, args, units);
  let own = 0;
  for (let claim = claimUnits(w!.control); claim >= 0; claim = claimUnits(w!.control)) {
    const first = firstOf(claim);
    computeUnits(kernels, kind, args, first, first + countOf(claim), 0);
    own += countOf(claim);
  }
  waitForWorker(w!, kernels, kind, args, units, units - own);
  record(key, "split", performance.now() - t0);
}

function post(w: BandWorker, kind: JobKind, args: number[], units: number): void {
  const c = w.control;
  for (let i = 0; i < args.length; i++) c[BandSlot.Args + i] = args[i];
  c[BandSlot.Kind] = kind;
  Atomics.store(c, BandSlot.WorkerDone, 0);
  Atomics.store(c, BandSlot.Remaining, units); // opens the job: everything above is visible to whoever claims
  Atomics.store(c, BandSlot.Command, Command.Run);
  Atomics.add(c, BandSlot.Seq, 1);
  if (Atomics.load(c, BandSlot.WorkerAsleep) === 1) Atomics.notify(c, BandSlot.Seq);
  bandSplitCounts.posted++;
}

/**
 * Waits until the worker finished the `workerUnits` it claimed (a claim takes well under a millisecond: spinning). If
 * it failed or went silent, the whole job is computed again here and the worker is not used again.
 */
function waitForWorker(w: BandWorker, kernels: BandKernels, kind: JobKind, args: number[], units: number, workerUnits: number): void {
  const c = w.control;
  const deadline = performance.now() + BAND_TIMEOUT_MS;
  while (Atomics.load(c, BandSlot.WorkerDone) < workerUnits) {
    if (Atomics.load(c, BandSlot.Failed) === 0 && performance.now() < deadline) continue;
    w.broken = true;
    if (Atomics.load(c, BandSlot.Failed) === 0) warn(`did not finish its units within ${BAND_TIMEOUT_MS / 1000} s`);
    computeUnits(kernels, kind, args, 0, units, 0);
    return;
  }
  bandSplitCounts.workerUnits += workerUnits;
}
