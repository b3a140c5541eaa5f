// The wasm kernel behind the fused Adam update: one pass over p, g, m, v (see adam-simd.ts) into three new buffers
// (new tensors, never in place: tfjs shares buffers between tensors and XNNPACK caches packed weights by buffer id).
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import { elementOffset, sizeOf, wasmMemoryOf, type WasmBackendWithMemory } from "../wasm-heap";
import { bindAdam, type AdamUpdate } from "./adam-simd";

export const FUSED_ADAM = "TslabFusedAdam";

export interface FusedAdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
}

const bound = new WeakMap<object, AdamUpdate>();

function updateFor(backend: WasmBackendWithMemory): AdamUpdate {
  const memory = wasmMemoryOf(backend);
  if (!memory) throw new Error("fused Adam: the wasm backend's memory is not reachable (backend.wasm.asm.memory or backend.wasm.wasmMemory)");
  let update = bound.get(memory);
  if (!update) bound.set(memory, (update = bindAdam(memory)));
  return update;
}

const kernelFunc = (args: Parameters<KernelFunc>[0]): TensorInfo[] => {
  const backend = args.backend as unknown as WasmBackendWithMemory;
  const { value, gradient, m, v, c1, c2 } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as FusedAdamAttrs;
  const outP = backend.makeOutput(value.shape, "float32");
  const outM = backend.makeOutput(value.shape, "float32");
  const outV = backend.makeOutput(value.shape, "float32");
  const heap = new Float32Array(backend.wasm.HEAPU8.buffer); // after the allocations: growth detaches older views
  updateFor(backend)(
    {
      p: elementOffset(backend, value), g: elementOffset(backend, gradient), m: elementOffset(backend, m),
      v: elementOffset(backend, v), outP: elementOffset(backend, outP), outM: elementOffset(backend, outM),
      outV: elementOffset(backend, outV),
    },
    sizeOf(value.shape),
    {
      beta1: attrs.beta1, oneMinusBeta1: 1 - attrs.beta1, beta2: attrs.beta2, oneMinusBeta2: 1 - attrs.beta2,
      c1: heap[elementOffset(backend, c1)], c2: heap[elementOffset(backend, c2)],
      epsilon: attrs.epsilon, negLr: -attrs.learningRate,
    },
  );
  return [outP, outM, outV];
};

export const fusedAdamConfig: KernelConfig = { kernelName: FUSED_ADAM, backendName: "wasm", kernelFunc: kernelFunc as unknown as KernelFunc };
