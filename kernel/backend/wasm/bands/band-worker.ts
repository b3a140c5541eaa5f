/**
 * The second core's band thread: our GEMM and Adam modules instantiated on the tfjs heap itself (the threaded build's
 * shared memory), so a job copies nothing — the worker writes its bands where the main thread will read them. Between
 * jobs it waits as the copying worker does (parallel/await-command.ts). Started by band-split.ts with
 * workerData = BandWorkerInit.
 */
import { parentPort, workerData } from "node:worker_threads";
import { awaitCommand } from "../parallel/await-command";
import type { WasmMemory } from "../wasm-heap";
import { bindBandKernels, computeUnits } from "./band-kernels";
import { BAND_WORKER_SPIN_MS, BandSlot, claimUnits, Command, countOf, firstOf, MAX_ARGS, type BandWorkerInit } from "./channel";

const { control: controlBuffer, memory } = workerData as BandWorkerInit;
const control = new Int32Array(controlBuffer);
const kernels = bindBandKernels(memory as WasmMemory);
const args = new Array<number>(MAX_ARGS);
Atomics.store(control, BandSlot.Ready, 1);

let seen = Atomics.load(control, BandSlot.Seq);
for (;;) {
  seen = awaitCommand(control, BandSlot.Seq, BandSlot.WorkerAsleep, seen, BAND_WORKER_SPIN_MS);
  if (Atomics.load(control, BandSlot.Command) === Command.Stop) break;
  try {
    for (let claim = claimUnits(control); claim >= 0; claim = claimUnits(control)) {
      // Read after the claim: the main thread posts the next job only once every claimed unit is done.
      for (let i = 0; i < MAX_ARGS; i++) args[i] = control[BandSlot.Args + i];
      const first = firstOf(claim);
      computeUnits(kernels, control[BandSlot.Kind], args, first, first + countOf(claim), 1);
      Atomics.add(control, BandSlot.WorkerDone, countOf(claim));
    }
  } catch (err) {
    // The main thread computes the job itself and goes on without the worker.
    Atomics.store(control, BandSlot.Failed, 1);
    parentPort?.postMessage({ failed: String((err as Error)?.stack ?? err) });
    break;
  }
}
