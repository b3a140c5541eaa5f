// The slice of the wasm backend that the tuning kernels touch, typed structurally so this
// layer does not depend on @tensorflow/tfjs-backend-wasm's emscripten typings.
import type { DataType, TensorInfo } from "@tensorflow/tfjs";

export interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Float32 view of a tensor's bytes on the wasm heap. Re-take it after any allocation: heap growth detaches old views. */
export function f32View(backend: WasmBackendLike, info: TensorInfo): Float32Array {
  const { memoryOffset } = backend.dataIdMap.get(info.dataId);
  return new Float32Array(backend.wasm.HEAPU8.buffer, memoryOffset, sizeOf(info.shape));
}

/** Int32 view of a tensor's bytes on the wasm heap (segment ids, int32 data). */
export function i32View(backend: WasmBackendLike, info: TensorInfo): Int32Array {
  const { memoryOffset } = backend.dataIdMap.get(info.dataId);
  return new Int32Array(backend.wasm.HEAPU8.buffer, memoryOffset, sizeOf(info.shape));
}

/** Byte view of a bool tensor on the heap (one byte per element, 0 or 1). */
export function u8View(backend: WasmBackendLike, info: TensorInfo): Uint8Array {
  const { memoryOffset } = backend.dataIdMap.get(info.dataId);
  return new Uint8Array(backend.wasm.HEAPU8.buffer, memoryOffset, sizeOf(info.shape));
}

/** The whole heap as float32, for copies between two tensors (offsets in elements = bytes / 4). */
export function heapF32(backend: WasmBackendLike): Float32Array {
  return new Float32Array(backend.wasm.HEAPU8.buffer);
}

/** A tensor's byte address on the heap (what the hand-encoded kernels take). */
export function byteOffset(backend: WasmBackendLike, info: TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset;
}

export function elementOffset(backend: WasmBackendLike, info: TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset >>> 2;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The `WebAssembly.Memory` of the tfjs wasm module (typed structurally: the project's lib has no DOM/wasm types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

export type WasmBackendWithMemory = WasmBackendLike & { wasm: { asm?: { memory?: WasmMemory }; wasmMemory?: WasmMemory } };

/**
 * The heap's `WebAssembly.Memory`, or null when this tfjs-backend-wasm build does not expose it. The single-threaded
 * build exports its memory; the threaded one (pthreads) creates a shared memory and imports it.
 */
export function wasmMemoryOf(backend: unknown): WasmMemory | null {
  const wasm = (backend as WasmBackendWithMemory)?.wasm;
  const memory = wasm?.asm?.memory ?? wasm?.wasmMemory;
  const ok = memory && (memory.buffer instanceof ArrayBuffer || (typeof SharedArrayBuffer === "function" && memory.buffer instanceof SharedArrayBuffer));
  return ok ? memory : null;
}
