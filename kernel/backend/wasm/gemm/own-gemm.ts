/**
 * Routes a plain matmul or a _FusedMatMul with bias and linear/relu/relu6 (no transposes, a single matrix on each
 * side) to our GEMM (gemm-simd.ts) instead of XNNPACK's fully-connected operator, which re-packs B whenever B is a
 * new tensor — on every training step.
 * Eligible: float32, M % 4 == 0, N % 8 == 0 (every batch of 4k rows × every dense layer of 8k units); anything else
 * returns null and stays on XNNPACK. TSLAB_LIGHTNING_OWN_GEMM=0 switches it off (read once).
 */
import type { TensorInfo } from "@tensorflow/tfjs";
import { sizeOf, wasmMemoryOf, type WasmBackendLike } from "../wasm-heap";
import { bindGemm, GEMM_ACTIVATIONS, GEMM_COLS, GEMM_ROWS, type Gemm } from "./gemm-simd";

export const OWN_GEMM_ENV_VAR = "TSLAB_LIGHTNING_OWN_GEMM";
let enabled: boolean | null = null;

/** Calls made through our GEMM (tests and benchmarks). */
export const ownGemmCounts = { calls: 0 };

interface Bound {
  gemm: Gemm;
  /** Heap scratch for one strip of B (K × 32 bytes), grown as needed; 64-byte aligned by the heap (aligned-heap.ts). */
  scratch: number;
  scratchBytes: number;
}
const bound = new WeakMap<object, Bound>();

type HeapModule = { _malloc(bytes: number): number; _free(ptr: number): void };

function gemmFor(backend: WasmBackendLike, k: number): Bound | null {
  const memory = wasmMemoryOf(backend);
  if (!memory) return null;
  let b = bound.get(memory);
  if (!b) bound.set(memory, (b = { gemm: bindGemm(memory), scratch: 0, scratchBytes: 0 }));
  const need = k * 32;
  if (b.scratchBytes < need) {
    const heap = backend.wasm as unknown as HeapModule;
    const bytes = Math.max(need, 32 * 1024);
    const scratch = heap._malloc(bytes) >>> 0;
    if (scratch === 0) return null;
    if (b.scratch !== 0) heap._free(b.scratch);
    b.scratch = scratch;
    b.scratchBytes = bytes;
  }
  return b;
}

/** What _FusedMatMul adds after the product: a bias of N values and a clamp (GEMM_ACTIVATIONS). */
export interface GemmEpilogue {
  bias: TensorInfo | null;
  activation: string;
}
const PLAIN: GemmEpilogue = { bias: null, activation: "linear" };

/**
 * a: [..., M, K] and b: [..., K, N], each one matrix; returns act(a·b + bias) as a new tensor of `outShape`, or null
 * (the caller then uses XNNPACK).
 */
export function ownGemm(backend: WasmBackendLike, a: TensorInfo, b: TensorInfo, outShape: number[], epilogue = PLAIN): TensorInfo | null {
  if (!(enabled ??= process.env[OWN_GEMM_ENV_VAR] !== "0")) return null;
  if (a.dtype !== "float32" || b.dtype !== "float32") return null;
  if (sizeOf(a.shape.slice(0, -2)) !== 1 || sizeOf(b.shape.slice(0, -2)) !== 1) return null;
  const m = a.shape[a.shape.length - 2];
  const k = a.shape[a.shape.length - 1];
  const n = b.shape[b.shape.length - 1];
  if (b.shape[b.shape.length - 2] !== k || k < 1 || m < GEMM_ROWS || m % GEMM_ROWS !== 0 || n < GEMM_COLS || n % GEMM_COLS !== 0) return null;
  const act = GEMM_ACTIVATIONS[epilogue.activation];
  const bias = epilogue.bias;
  if (act === undefined) return null;
  if (bias && (bias.dtype !== "float32" || bias.shape.length !== 1 || bias.shape[0] !== n)) return null;
  const g = gemmFor(backend, k);
  if (!g) return null;
  const out = backend.makeOutput(outShape, "float32");
  // Heap offsets stay valid when the heap grows (only typed-array views detach).
  g.gemm(backend.dataIdMap.get(a.dataId).memoryOffset, backend.dataIdMap.get(b.dataId).memoryOffset,
    backend.dataIdMap.get(out.dataId).memoryOffset, m, k, n, bias ? backend.dataIdMap.get(bias.dataId).memoryOffset : 0, act, g.scratch);
  ownGemmCounts.calls++;
  return out;
}
