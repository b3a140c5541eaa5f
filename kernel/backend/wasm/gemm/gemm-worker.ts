/**
 * The second core's GEMM thread: our GEMM module instantiated on the tfjs heap itself (the threaded build's shared
 * memory), so a job copies nothing — the worker writes its bands of C where the main thread will read them. Between
 * jobs it waits as the copying worker does (parallel/await-command.ts). Started by gemm-split.ts with workerData = GemmWorkerInit.
 */
import { parentPort, workerData } from "node:worker_threads";
import { claimBand, Command, computeBand, GEMM_ARGS, GemmSlot, WORKER_SPIN_MS, type GemmWorkerInit } from "./gemm-channel";
import { bindGemm } from "./gemm-simd";
import { awaitCommand } from "../parallel/await-command";
import type { WasmMemory } from "../wasm-heap";

const { control: controlBuffer, memory } = workerData as GemmWorkerInit;
const control = new Int32Array(controlBuffer);
const gemm = bindGemm(memory as WasmMemory);
const args = new Array<number>(GEMM_ARGS) as Parameters<typeof gemm>;
Atomics.store(control, GemmSlot.Ready, 1);

let seen = Atomics.load(control, GemmSlot.Seq);
for (;;) {
  seen = awaitCommand(control, GemmSlot.Seq, GemmSlot.WorkerAsleep, seen, WORKER_SPIN_MS);
  if (Atomics.load(control, GemmSlot.Command) === Command.Stop) break;
  let band = claimBand(control);
  try {
    for (; band >= 0; band = claimBand(control)) {
      for (let i = 0; i < GEMM_ARGS; i++) args[i] = control[GemmSlot.Args + i];
      computeBand(gemm, args, band, 1);
      Atomics.add(control, GemmSlot.WorkerDone, 1);
    }
  } catch (err) {
    // The main thread computes this band itself and goes on without the worker.
    Atomics.store(control, GemmSlot.Failed, band + 1);
    parentPort?.postMessage({ failed: String((err as Error)?.stack ?? err) });
    break;
  }
}
