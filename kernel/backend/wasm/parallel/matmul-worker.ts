// The second core's matmul worker: its own tfjs wasm backend (non-threaded XNNPACK, like the main
// thread's) that computes the lower rows of a large matmul while the main thread does the upper
// rows. Between jobs it spins briefly, then sleeps in Atomics.wait: a job costs at most a futex
// wake-up, never an event-loop turn. Started by worker-host.ts with workerData = { control, data } (see channel.ts).
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { parentPort, workerData } from "node:worker_threads";
import { bitsToFloat, Command, dataLayout, JobState, Slot, WORKER_SPIN_MS, type WorkerInit } from "./channel";
import { awaitCommand } from "./await-command";
import { fusedMatMulInto, type WasmModuleLike } from "./fused-call";

interface WorkerBackend {
  wasm: WasmModuleLike;
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } };
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

function runJob(backend: WorkerBackend, control: Int32Array, data: SharedArrayBuffer): void {
  const rows = control[Slot.Rows];
  const inner = control[Slot.Inner];
  const cols = control[Slot.Cols];
  const hasBias = control[Slot.HasBias] === 1;
  const transposeB = control[Slot.TransposeB] === 1;
  const layout = dataLayout(rows, inner, cols, hasBias);
  // Fresh tensors every job: new ids, so XNNPACK never reuses weights packed for an older b.
  const a = backend.makeOutput([rows, inner], "float32");
  let b = backend.makeOutput(transposeB ? [cols, inner] : [inner, cols], "float32");
  const bias = hasBias ? backend.makeOutput([cols], "float32") : null;
  const temporaries = [a, b, bias];
  const entry = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId);
  try {
    const heap = new Float32Array(backend.wasm.HEAPU8.buffer); // after the allocations: growth detaches views
    const shared = new Float32Array(data, 0, layout.end);
    heap.set(shared.subarray(layout.a, layout.b), entry(a).memoryOffset >>> 2);
    heap.set(shared.subarray(layout.b, layout.bias), entry(b).memoryOffset >>> 2);
    if (bias != null) heap.set(shared.subarray(layout.bias, layout.out), entry(bias).memoryOffset >>> 2);
    // The main thread sent b's rows as they are: transposing here halves its own transpose work.
    if (transposeB) temporaries.push((b = transposeKernel({ inputs: { x: b }, backend: backend as never, attrs: { perm: [1, 0] } }) as tf.TensorInfo));
    const out = backend.makeOutput([rows, cols], "float32");
    temporaries.push(out);
    fusedMatMulInto(
      backend.wasm,
      { a: entry(a).id, b: entry(b).id, bias: bias == null ? 0 : entry(bias).id, out: entry(out).id },
      rows, inner, cols,
      control[Slot.Activation], bitsToFloat(control[Slot.Alpha]),
    );
    const outStart = entry(out).memoryOffset >>> 2;
    shared.set(new Float32Array(backend.wasm.HEAPU8.buffer).subarray(outStart, outStart + rows * cols), layout.out);
  } finally {
    for (const t of temporaries) if (t != null) backend.disposeData(t.dataId);
  }
}

let transposeKernel: tf.KernelFunc;

async function main(): Promise<void> {
  const { control: controlBuffer, data } = workerData as WorkerInit;
  const control = new Int32Array(controlBuffer);
  if (!(await tf.setBackend("wasm"))) throw new Error("the wasm backend did not initialise in the worker");
  const backend = tf.backend() as unknown as WorkerBackend;
  transposeKernel = tf.getKernel("Transpose", "wasm")!.kernelFunc;
  Atomics.store(control, Slot.Ready, 1);
  parentPort?.postMessage({ ready: true });
  let seen = Atomics.load(control, Slot.Seq);
  for (;;) {
    seen = awaitCommand(control, Slot.Seq, Slot.WorkerAsleep, seen, WORKER_SPIN_MS);
    const command = Atomics.load(control, Slot.Command);
    if (command === Command.Stop) return;
    // Lost the race: the main thread took the job back while this thread was waking up.
    if (command !== Command.MatMul || Atomics.compareExchange(control, Slot.State, JobState.Posted, JobState.Running) !== JobState.Posted) continue;
    let state = JobState.Done;
    try {
      runJob(backend, control, data);
    } catch (err) {
      state = JobState.Failed;
      parentPort?.postMessage({ failed: String((err as Error)?.stack ?? err) });
    }
    Atomics.store(control, Slot.State, state);
    if (Atomics.load(control, Slot.MainAsleep) === 1) Atomics.notify(control, Slot.State);
  }
}

main().catch((err) => {
  // Surfaces as the Worker's 'error' event on the main thread, which falls back to one thread.
  throw err;
});
