/**
 * Our GEMM on both cores: with the threaded build's shared heap, a worker thread (gemm-worker.ts) runs the same GEMM
 * on the same memory. The main thread posts the product (its arguments, no copies) and both threads claim column bands
 * until none is left (gemm-channel.ts); the main thread then waits for the worker's last band. Whether a shape is
 * split is decided by the payoff rule of the other two-thread paths (parallel/payoff.ts): every 8th call runs on one
 * thread as the reference, and a shape that stops gaining ≥ 5 % (the other core busy) goes back to one thread for
 * 1–30 s. The worker starts on the first eligible call, is unref()'d, and any failure leaves GEMMs on one thread.
 */
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { record, verdict } from "../parallel/payoff";
import type { WasmMemory } from "../wasm-heap";
import { bandsOf, claimBand, Command, computeBand, GEMM_CONTROL_SLOTS, GemmSlot, type GemmWorkerInit } from "./gemm-channel";
import type { Gemm } from "./gemm-simd";

export const GEMM_SPLIT_ENV_VAR = "TSLAB_LIGHTNING_GEMM_SPLIT";
/** `minMacs`: below it a post and a wake-up cost more than the second core saves. `enabled`: tests, benchmarks. */
export const gemmSplitSettings = { enabled: process.env[GEMM_SPLIT_ENV_VAR] !== "0", minMacs: 2 << 20 };
/** Products posted to the worker, and bands it computed (tests and benchmarks). */
export const gemmSplitCounts = { posted: 0, workerBands: 0 };
/** A band ends in milliseconds; past this the worker is taken as gone. */
const BAND_TIMEOUT_MS = 30_000;

interface GemmWorker {
  worker: Worker;
  control: Int32Array;
  broken: boolean;
}
const workers = new WeakMap<object, GemmWorker>();

function warn(why: string): void {
  console.warn(`tslab-lightning: the wasm GEMM worker ${why}; GEMMs stay on one thread.`);
}

/** The worker of this heap if it is up; starts it (asynchronously) on first use. */
function readyWorker(memory: WasmMemory): GemmWorker | null {
  let w = workers.get(memory);
  if (w == null) {
    const control = new Int32Array(new SharedArrayBuffer(GEMM_CONTROL_SLOTS * 4));
    const init: GemmWorkerInit = { control: control.buffer as SharedArrayBuffer, memory };
    const gw: GemmWorker = { worker: new Worker(path.join(__dirname, "gemm-worker.js"), { workerData: init }), control, broken: false };
    gw.worker.on("error", (err) => {
      gw.broken = true;
      warn(`failed (${err.message})`);
    });
    gw.worker.on("message", (m: { failed?: string }) => m.failed && warn(`failed a band (${m.failed.split("\n")[0]})`));
    gw.worker.on("exit", () => (gw.broken = true));
    // After the listeners: adding a 'message' listener re-refs the worker's port.
    gw.worker.unref();
    workers.set(memory, (w = gw));
  }
  return !w.broken && Atomics.load(w.control, GemmSlot.Ready) === 1 ? w : null;
}

/** Stops the worker of this heap (unregisterWasmTuning). */
export function stopGemmWorker(memory: WasmMemory | null): void {
  const w = memory && workers.get(memory);
  if (!w) return;
  workers.delete(memory);
  w.broken = true;
  Atomics.store(w.control, GemmSlot.Command, Command.Stop);
  Atomics.add(w.control, GemmSlot.Seq, 1);
  Atomics.notify(w.control, GemmSlot.Seq);
}

/** Our GEMM's arguments (gemm-simd.ts's Gemm, in order). */
export type GemmArgs = Parameters<Gemm>;
const M = 3, K = 4, N = 5;

/** Runs the GEMM with `args` on two threads when it pays. Its scratch holds two strips (2 × K × 32 bytes). */
export function splitGemm(memory: WasmMemory, gemm: Gemm, args: GemmArgs): void {
  const bands = bandsOf(args[N]);
  const shared = typeof SharedArrayBuffer === "function" && memory.buffer instanceof SharedArrayBuffer;
  const w = gemmSplitSettings.enabled && shared && bands >= 2 && args[M] * args[K] * args[N] >= gemmSplitSettings.minMacs ? readyWorker(memory) : null;
  if (w == null) return gemm(...args);
  const key = `gemm:${args[M]}x${args[K]}x${args[N]}`;
  const v = verdict(key);
  if (v === "off") return gemm(...args);
  const t0 = performance.now();
  if (v === "solo") {
    gemm(...args);
    record(key, "solo", performance.now() - t0);
    return;
  }
  post(w, args, bands);
  let own = 0;
  for (let band = claimBand(w.control); band >= 0; band = claimBand(w.control), own++) computeBand(gemm, args, band, 0);
  waitForWorker(w, gemm, args, bands - own);
  record(key, "split", performance.now() - t0);
}

function post(w: GemmWorker, args: GemmArgs, bands: number): void {
  const c = w.control;
  for (let i = 0; i < args.length; i++) c[GemmSlot.Args + i] = args[i];
  Atomics.store(c, GemmSlot.WorkerDone, 0);
  Atomics.store(c, GemmSlot.Remaining, bands); // opens the job: the arguments above are visible to whoever claims
  Atomics.store(c, GemmSlot.Command, Command.MatMul);
  Atomics.add(c, GemmSlot.Seq, 1);
  if (Atomics.load(c, GemmSlot.WorkerAsleep) === 1) Atomics.notify(c, GemmSlot.Seq);
  gemmSplitCounts.posted++;
}

/**
 * Waits until the worker finished the `bands` it claimed (a band takes well under a millisecond: spinning). If it
 * failed or went silent, the whole product is computed again here and the worker is not used again.
 */
function waitForWorker(w: GemmWorker, gemm: Gemm, args: GemmArgs, bands: number): void {
  const c = w.control;
  const deadline = performance.now() + BAND_TIMEOUT_MS;
  while (Atomics.load(c, GemmSlot.WorkerDone) < bands) {
    if (Atomics.load(c, GemmSlot.Failed) === 0 && performance.now() < deadline) continue;
    w.broken = true;
    if (Atomics.load(c, GemmSlot.Failed) === 0) warn(`did not finish a band within ${BAND_TIMEOUT_MS / 1000} s`);
    gemm(...args);
    return;
  }
  gemmSplitCounts.workerBands += bands;
}
