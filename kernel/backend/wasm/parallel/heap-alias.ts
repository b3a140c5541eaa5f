// Tensor ids that point into the middle of another tensor's wasm memory (a run of its rows), so
// the C matmul can read a's first rows and write the output's first rows in place. The wasm
// backend supports this (makeOutput with a memory offset); such an alias must never reach
// disposeData, which would free() an address inside someone else's block.
import type { TensorInfo } from "@tensorflow/tfjs";
import type { WasmBackendLike } from "../wasm-heap";
import type { WasmModuleLike } from "./fused-call";

export interface AliasingBackend extends WasmBackendLike {
  wasm: WasmModuleLike & { tfjs: { disposeData(id: number): void } };
  dataIdMap: WasmBackendLike["dataIdMap"] & { delete(dataId: object): boolean };
  makeOutput(shape: number[], dtype: "float32", memoryOffset?: number): TensorInfo;
}

/** An alias of `count` float32 elements of `base` starting at element `start`; returns its internal id. */
export function alias(backend: AliasingBackend, base: TensorInfo, start: number, count: number): { info: TensorInfo; id: number } {
  const { memoryOffset } = backend.dataIdMap.get(base.dataId);
  const info = backend.makeOutput([count], "float32", memoryOffset + 4 * start);
  return { info, id: backend.dataIdMap.get(info.dataId).id };
}

/** Forgets an alias: the C side drops its registration (and any XNNPACK operator cached on it), nothing is freed. */
export function dropAlias(backend: AliasingBackend, a: { info: TensorInfo; id: number }): void {
  backend.wasm.tfjs.disposeData(a.id);
  backend.dataIdMap.delete(a.info.dataId);
}

export function internalId(backend: WasmBackendLike, info: TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).id;
}
