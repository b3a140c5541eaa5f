// Installs / removes the wasm tuning layer in tfjs's global kernel registry. Idempotent; the
// shipped kernels are kept so `unregisterWasmTuning` restores wasm exactly as published.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import type { KernelConfig } from "@tensorflow/tfjs";
import { tunedBatchMatMulConfig } from "./batch-mat-mul";
import { conv2DBackpropFilterConfig } from "./conv2d-backprop-filter";
import { tunedConv2DBackpropInputConfig } from "./conv2d-backprop-input";
import { depthwiseBackpropFilterConfig } from "./depthwise-backprop-filter";
import { depthwiseBackpropInputConfig } from "./depthwise-backprop-input";
import { tunedFusedMatMulConfig } from "./fused-mat-mul";
import { resetPayoff } from "./parallel/payoff";
import { startWorker, stopWorker, wantedThreads } from "./parallel/worker-host";
import { armPthreads, pthreadCount } from "./threads/pthreads";
import { gatedKernel, POOL_KERNELS } from "./threads/pool-gate";
import { unsortedSegmentSumConfig } from "./unsorted-segment-sum";
import { alignTensorBuffers } from "./aligned-heap";
import { stopBandWorker } from "./bands/band-split";
import { wasmMemoryOf } from "./wasm-heap";
import { tunedTileConfig } from "./tile";
import { sharedIdentityConfig } from "./identity";
import { tunedTanhConfig } from "./tanh";
import { tunedLeakyReluConfig } from "./elementwise/leaky-relu";
import { tunedGreaterConfig } from "./elementwise/greater";
import { tunedSelectConfig } from "./elementwise/select";
import { tunedMeanConfig, tunedSumConfig } from "./leading-axes-reduce";
import { fusedAdamConfig } from "./adam/fused-adam-kernel";
import { installFusedAdam, uninstallFusedAdam } from "./adam/fused-adam-optimizer";

const REPLACED: Record<string, (shipped: KernelConfig) => KernelConfig> = {
  BatchMatMul: tunedBatchMatMulConfig,
  _FusedMatMul: tunedFusedMatMulConfig,
  Conv2DBackpropInput: tunedConv2DBackpropInputConfig,
  Tile: tunedTileConfig,
  Identity: sharedIdentityConfig,
  Tanh: tunedTanhConfig,
  LeakyRelu: tunedLeakyReluConfig,
  Greater: tunedGreaterConfig,
  Select: tunedSelectConfig,
  Sum: tunedSumConfig,
  Mean: tunedMeanConfig,
};
const ADDED: KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  unsortedSegmentSumConfig,
  fusedAdamConfig,
];

/** kernel name → the config that was registered before tuning (undefined: there was none). */
let before: Map<string, KernelConfig | undefined> | null = null;

export function isWasmTuningRegistered(): boolean {
  return before != null;
}

/** Kernel names the tuning layer replaces or adds (for reports and tests). */
export function wasmTuningKernelNames(): string[] {
  return [...Object.keys(REPLACED), ...ADDED.map((k) => k.kernelName)];
}

export function registerWasmTuning(): void {
  if (before != null) return;
  const saved = new Map<string, KernelConfig | undefined>();
  for (const [name, tune] of Object.entries(REPLACED)) {
    const shipped = tf.getKernel(name, "wasm");
    if (shipped == null) throw new Error(`wasm tuning: '${name}' is not registered for 'wasm'; is @tensorflow/tfjs-backend-wasm installed?`);
    saved.set(name, shipped);
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(tune(shipped));
  }
  for (const config of ADDED) {
    // A future tfjs-backend-wasm that ships the kernel itself wins.
    if (tf.getKernel(config.kernelName, "wasm") != null) continue;
    saved.set(config.kernelName, undefined);
    tf.registerKernel(config);
  }
  // With the shared-heap pthreads, only these kernels may use the second thread, and only while it pays.
  for (const name of POOL_KERNELS) {
    const current = tf.getKernel(name, "wasm");
    if (current == null) continue;
    if (!saved.has(name)) saved.set(name, current);
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(gatedKernel(current));
  }
  // tf.train.adam's update as one fused pass (bit-identical); TSLAB_LIGHTNING_FUSED_ADAM=0 keeps tfjs's own.
  if (process.env.TSLAB_LIGHTNING_FUSED_ADAM !== "0") installFusedAdam();
  before = saved;
  alignTensorBuffersOfWasm();
  // Both cores: shared-heap pthreads when the wasm backend is still to be initialized (threads/pthreads.ts); else,
  // or if they fail, the copying matmul worker, which boots in the background and is used once ready.
  if (pthreadCount() === 0 && !armPthreads(wantedThreads(), startWorker)) startWorker();
}

/** 64-byte-aligned tensor buffers (aligned-heap.ts) for the wasm backend: now if it exists, else once it is made. */
function alignTensorBuffersOfWasm(): void {
  const engine = tf.engine() as unknown as {
    registry: Record<string, { wasm?: Parameters<typeof alignTensorBuffers>[0] } | undefined>;
    registryFactory: Record<string, { factory: () => Promise<unknown> } | undefined>;
  };
  const existing = engine.registry.wasm?.wasm;
  if (existing) return alignTensorBuffers(existing);
  const entry = engine.registryFactory.wasm;
  if (!entry || (entry.factory as { aligning?: boolean }).aligning) return;
  const factory = entry.factory;
  const aligning = async () => {
    const backend = (await factory()) as { wasm?: Parameters<typeof alignTensorBuffers>[0] };
    if (backend?.wasm) alignTensorBuffers(backend.wasm);
    return backend;
  };
  (aligning as { aligning?: boolean }).aligning = true;
  entry.factory = aligning;
}

export function unregisterWasmTuning(): void {
  if (before == null) return;
  uninstallFusedAdam();
  for (const [name, shipped] of before) {
    tf.unregisterKernel(name, "wasm");
    if (shipped != null) tf.registerKernel(shipped);
  }
  before = null;
  stopWorker();
  stopBandWorker(wasmMemoryOf((tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm));
  resetPayoff();
}
