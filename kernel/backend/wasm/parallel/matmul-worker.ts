// The second core's matmul worker: its own tfjs wasm backend (non-threaded XNNPACK, like the main
// thread's) that computes the lower rows of a large matmul while the main thread does the upper
// rows. Between jobs it spins briefly, then sleeps in Atomics.wait: a job costs at most a futex
// wake-up, never an event-loop turn. Started by worker-host.ts with workerData = { control, data } (see channel.ts).
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { Axis, bitsToFloat, chunkStart, Claim, Command, dataLayout, JobState, Slot, WORKER_SPIN_MS, type WorkerInit } from "./channel";
import { fusedMatMulInto } from "./fused-call";
import { alias, dropAlias, internalId, type AliasingBackend } from "./heap-alias";

/** A rows × cols matrix transposed by the wasm Transpose kernel (of tfjs-core: this thread does not load @tensorflow/tfjs). */
function transposed(backend: AliasingBackend, x: TensorInfo, rows: number, cols: number): TensorInfo {
  const transpose = tf.getKernel("Transpose", "wasm")!.kernelFunc;
  return transpose({ inputs: { x: { ...x, shape: [rows, cols] } }, backend: backend as never, attrs: { perm: [1, 0] } }) as TensorInfo;
}

/**
 * Copies the job in, then computes chunks from the first up until one is already the main
 * thread's, copying each chunk's output out as soon as it is done.
 */
function runJob(backend: AliasingBackend, control: Int32Array, data: SharedArrayBuffer): void {
  const rows = control[Slot.Rows];
  const inner = control[Slot.Inner];
  const cols = control[Slot.Cols];
  const hasBias = control[Slot.HasBias] === 1;
  const transposeB = control[Slot.TransposeB] === 1;
  const byCols = control[Slot.Axis] === Axis.Cols;
  const chunks = control[Slot.Chunks];
  const layout = dataLayout(rows, inner, cols, hasBias);
  // Fresh tensors every job: new ids, so XNNPACK never reuses weights packed for an older b.
  const a = backend.makeOutput([rows * inner], "float32");
  const b = backend.makeOutput([inner * cols], "float32");
  const bias = hasBias ? backend.makeOutput([cols], "float32") : null;
  const out = backend.makeOutput([rows * cols], "float32");
  const offset = (t: TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset >>> 2;
  const shared = new Float32Array(data, 0, layout.end);
  try {
    const heap = new Float32Array(backend.wasm.HEAPU8.buffer); // after the allocations: growth detaches views
    heap.set(shared.subarray(layout.a, layout.b), offset(a));
    heap.set(shared.subarray(layout.b, layout.bias), offset(b));
    if (bias != null) heap.set(shared.subarray(layout.bias, layout.out), offset(bias));
    const extent = byCols ? cols : rows;
    for (let i = 0; i < chunks; i++) {
      if (Atomics.compareExchange(control, Slot.Claims + i, Claim.Free, Claim.Worker) !== Claim.Free) break;
      const c0 = chunkStart(extent, chunks, i);
      const n = chunkStart(extent, chunks, i + 1) - c0;
      // Rows chunk: rows [c0, c0 + n) of a and of the output, all of b. Columns chunk: all of a,
      // b's block and the output's block of this chunk (chunk-major, see dataLayout).
      const outStart = byCols ? rows * c0 : c0 * cols;
      const outCount = byCols ? rows * n : n * cols;
      const aPart = byCols ? null : alias(backend, a, c0 * inner, n * inner);
      const bBlock = byCols ? alias(backend, b, inner * c0, inner * n) : null;
      // The main thread sent a transposed b's rows as they are: transposing here halves its own transpose work.
      const bPart = bBlock != null && transposeB ? transposed(backend, bBlock.info, n, inner) : null;
      const biasPart = bias != null && byCols ? alias(backend, bias, c0, n) : null;
      const outPart = alias(backend, out, outStart, outCount);
      try {
        fusedMatMulInto(
          backend.wasm,
          {
            a: aPart?.id ?? internalId(backend, a),
            b: bPart != null ? internalId(backend, bPart) : bBlock?.id ?? internalId(backend, b),
            bias: biasPart?.id ?? (bias == null ? 0 : internalId(backend, bias)),
            out: outPart.id,
          },
          byCols ? rows : n, inner, byCols ? n : cols,
          control[Slot.Activation], bitsToFloat(control[Slot.Alpha]),
        );
        const from = offset(out) + outStart;
        shared.set(new Float32Array(backend.wasm.HEAPU8.buffer).subarray(from, from + outCount), layout.out + outStart);
      } finally {
        for (const x of [aPart, bBlock, biasPart, outPart]) if (x != null) dropAlias(backend, x);
        if (bPart != null) backend.disposeData(bPart.dataId);
      }
      Atomics.store(control, Slot.Claims + i, Claim.WorkerDone);
    }
  } finally {
    for (const t of [a, b, bias, out]) if (t != null) backend.disposeData(t.dataId);
  }
}

async function main(): Promise<void> {
  const { control: controlBuffer, data } = workerData as WorkerInit;
  const control = new Int32Array(controlBuffer);
  if (!(await tf.setBackend("wasm"))) throw new Error("the wasm backend did not initialise in the worker");
  const backend = tf.backend() as unknown as AliasingBackend;
  Atomics.store(control, Slot.Ready, 1);
  parentPort?.postMessage({ ready: true });
  let seen = Atomics.load(control, Slot.Seq);
  for (;;) {
    const spinUntil = performance.now() + WORKER_SPIN_MS;
    while (Atomics.load(control, Slot.Seq) === seen && performance.now() < spinUntil);
    if (Atomics.load(control, Slot.Seq) === seen) {
      Atomics.store(control, Slot.WorkerAsleep, 1);
      Atomics.wait(control, Slot.Seq, seen); // returns at once if Seq moved after the flag was set
      Atomics.store(control, Slot.WorkerAsleep, 0);
    }
    seen = Atomics.load(control, Slot.Seq);
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
