// The wasm kernel behind the fused Adam update: one pass over p, g, m, v (see adam-simd.ts) into three new buffers
// (new tensors, never in place: tfjs shares buffers between tensors and XNNPACK caches packed weights by buffer id).
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import { elementOffset, sizeOf, wasmMemoryOf, type WasmBackendWithMemory } from "../wasm-heap";
import { f32Bits } from "../bands/band-kernels";
import { runBands } from "../bands/band-split";
import { JobKind } from "../bands/channel";

export const FUSED_ADAM = "TslabFusedAdam";

export interface FusedAdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
}

/** Below this many elements a post and a wake-up cost more than the second core saves. */
const MIN_SPLIT_ELEMS = 1 << 16;

const kernelFunc = (args: Parameters<KernelFunc>[0]): TensorInfo[] => {
  const backend = args.backend as unknown as WasmBackendWithMemory;
  const { value, gradient, m, v, c1, c2 } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as FusedAdamAttrs;
  const outP = backend.makeOutput(value.shape, "float32");
  const outM = backend.makeOutput(value.shape, "float32");
  const outV = backend.makeOutput(value.shape, "float32");
  const memory = wasmMemoryOf(backend);
  if (!memory) throw new Error("fused Adam: the wasm backend's memory is not reachable (backend.wasm.asm.memory or backend.wasm.wasmMemory)");
  const heap = new Float32Array(backend.wasm.HEAPU8.buffer); // after the allocations: growth detaches older views
  const n = sizeOf(value.shape);
  const pointers = [value, gradient, m, v, outP, outM, outV].map((t) => elementOffset(backend, t));
  const scalars = [
    attrs.beta1, 1 - attrs.beta1, attrs.beta2, 1 - attrs.beta2,
    heap[elementOffset(backend, c1)], heap[elementOffset(backend, c2)], attrs.epsilon, -attrs.learningRate,
  ].map(f32Bits);
  // Memory-bound: two threads for big variables (bands/band-split.ts).
  runBands(memory, JobKind.Adam, [...pointers, n, ...scalars], `adam:${n}`, n >= MIN_SPLIT_ELEMS);
  return [outP, outM, outV];
};

export const fusedAdamConfig: KernelConfig = { kernelName: FUSED_ADAM, backendName: "wasm", kernelFunc: kernelFunc as unknown as KernelFunc };
