// Calls other wasm kernels from inside a wasm kernel: the engine is not involved, so
// intermediates must be freed with `release` (never left to tf.tidy).
import * as tf from "@tensorflow/tfjs";
import type { NamedAttrMap, TensorInfo } from "@tensorflow/tfjs";
import type { WasmBackendLike } from "./wasm-heap";

export function runWasmKernel(
  kernelName: string,
  backend: WasmBackendLike,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const kernel = tf.getKernel(kernelName, "wasm");
  if (kernel == null) throw new Error(`wasm tuning: kernel '${kernelName}' is not registered for 'wasm'; load @tensorflow/tfjs-backend-wasm first.`);
  return kernel.kernelFunc({ inputs, backend: backend as never, attrs }) as TensorInfo;
}

/** Same data, another shape (no copy, no refcount change): only for passing as a kernel input. */
export function reshaped(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

export function release(backend: WasmBackendLike, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Swaps the last two axes with the wasm Transpose kernel (fast, C++). */
export function transposeLastTwo(backend: WasmBackendLike, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return runWasmKernel("Transpose", backend, { x }, { perm });
}
