/**
 * Both cores on a shared heap: tfjs-backend-wasm ships a threaded SIMD build (XNNPACK with a pthreadpool), but turns it
 * off in Node (tfjs#3830) because emscripten's pthread worker comes as a browser Blob that `worker_threads` cannot
 * start. We wrap the 'wasm' backend factory so that, only while it initializes:
 *  - the threaded build is selected (WASM_HAS_MULTITHREAD_SUPPORT) with the wanted thread count;
 *  - the worker Blob's object URL is our Node worker file (pthread-worker.ts, same message protocol);
 *  - os.cpus() reports twice the threads, because tfjs's C++ caps its pool at logical cores / 2 (it assumes
 *    hyperthreads) — on a 2-core machine that would be 1.
 * Then every XNNPACK op (matmul, conv, elementwise) splits across cores on the same heap: no copies, unlike the
 * copying matmul worker (parallel/), which stays as the fallback when this cannot start.
 */
import * as tf from "@tensorflow/tfjs";
import * as tfWasm from "@tensorflow/tfjs-backend-wasm";
import os from "node:os";
import path from "node:path";
import workerThreads from "node:worker_threads";
import { poolGateEnabled, poolSwitchFor } from "./pool-switch";

export const PTHREADS_ENV_VAR = "TSLAB_LIGHTNING_WASM_PTHREADS";

type Factory = () => Promise<unknown>;
interface EngineRegistry {
  registry: Record<string, unknown>;
  registryFactory: Record<string, { factory: Factory; priority: number } | undefined>;
}
interface ThreadedBackend {
  wasm: { tfjs: { getThreadsCount(): number }; HEAPU8: Uint8Array };
}

let active = 0;
let armed = false;

/** XNNPACK threads of the running wasm backend when the shared-heap pthreads are up; 0 otherwise. */
export function pthreadCount(): number {
  return active;
}

/** Whether the pthreads are wanted: not switched off by TSLAB_LIGHTNING_WASM_PTHREADS=0, and Atomics exist. */
export function pthreadsWanted(): boolean {
  return process.env[PTHREADS_ENV_VAR] !== "0" && typeof SharedArrayBuffer === "function" && typeof Atomics === "object";
}

/**
 * Makes the next initialization of the 'wasm' backend threaded. Returns false when that is no longer possible (the
 * backend already exists, single-threaded). `fallback` runs if the threaded build fails to start; wasm then starts
 * single-threaded as shipped.
 */
export function armPthreads(threads: number, fallback: () => void): boolean {
  if (armed) return true;
  const engine = tf.engine() as unknown as EngineRegistry;
  const entry = engine.registryFactory.wasm;
  if (!entry || engine.registry.wasm != null || threads < 2 || !pthreadsWanted()) return false;
  const original = entry.factory;
  armed = true;
  entry.factory = async () => {
    const workers: workerThreads.Worker[] = [];
    const undo = patchForInit(threads, workers);
    try {
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
      tfWasm.setThreadsCount(threads);
      const backend = (await original()) as ThreadedBackend;
      active = backend.wasm.tfjs.getThreadsCount();
      keepProcessExitable(workers);
      // Ops run on one thread unless pool-gate.ts switches the pool on around a kernel that pays.
      if (active >= 2 && poolGateEnabled()) poolSwitchFor(backend.wasm)?.set(false);
      if (active < 2) {
        active = 0;
        fallback();
      }
      return backend;
    } catch (err) {
      active = 0;
      // The pool workers of the failed start would keep the process alive.
      for (const w of workers) void w.terminate();
      console.warn(`tslab-lightning: wasm pthreads could not start (${(err as Error)?.message ?? err}); retrying with the single-threaded build.`);
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
      tfWasm.setThreadsCount(1);
      fallback();
      return original();
    } finally {
      undo();
      // A later re-initialization without these patches (after tf.removeBackend + re-registering) must not pick the
      // threaded build: its worker Blob would not start in Node.
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
      entry.factory = original;
      armed = false;
    }
  };
  return true;
}

function patchForInit(threads: number, created: workerThreads.Worker[]): () => void {
  const workerFile = path.join(__dirname, "pthread-worker.js");
  const url = URL as unknown as { createObjectURL(b: unknown): string };
  const createObjectURL = url.createObjectURL;
  url.createObjectURL = (blob: unknown) =>
    // Only tfjs's worker Blob is typed application/javascript (its main-script Blob is text/javascript).
    (blob as { type?: string })?.type === "application/javascript" ? workerFile : createObjectURL.call(URL, blob);
  const cpus = os.cpus;
  os.cpus = () => {
    const real = cpus();
    const cores = real.length ? real : [{} as os.CpuInfo];
    return Array.from({ length: 2 * Math.max(threads, 1) }, (_, i) => cores[i % cores.length]);
  };
  // emscripten takes worker_threads.Worker when its factory runs: record the pool workers it creates.
  const wt = workerThreads as { Worker: typeof workerThreads.Worker };
  const Worker = wt.Worker;
  wt.Worker = class extends Worker {
    constructor(...args: ConstructorParameters<typeof Worker>) {
      super(...args);
      created.push(this);
    }
  };
  return () => {
    url.createObjectURL = createObjectURL;
    os.cpus = cpus;
    wt.Worker = Worker;
  };
}

/** emscripten refs a worker while its pthread runs; XNNPACK's pool threads run forever, and must not keep Node alive. */
function keepProcessExitable(workers: workerThreads.Worker[]): void {
  for (const w of workers) {
    w.ref = () => undefined;
    w.unref();
  }
}
