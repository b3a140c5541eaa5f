/**
 * Routes a matmul or a _FusedMatMul with bias and linear/relu/relu6 to our GEMM (gemm-simd.ts) instead of XNNPACK's
 * fully-connected operator, which re-packs B whenever B is a new tensor — on every training step — and needs its
 * operands untransposed (every gradient matmul would first pay a Transpose kernel).
 * Eligible: float32, B one matrix (either orientation), A one matrix when transposed (else its batch is folded into
 * its rows), M % 4 == 0, N % 8 == 0 (every batch of 4k rows × every dense layer of 8k units); anything else returns
 * null and stays on XNNPACK. TSLAB_LIGHTNING_OWN_GEMM=0 switches it off (read once).
 */
import * as tf from "@tensorflow/tfjs";
import type { TensorInfo } from "@tensorflow/tfjs";
import { byteOffset, sizeOf, wasmMemoryOf, type WasmBackendLike, type WasmMemory } from "../wasm-heap";
import { runBands } from "../bands/band-split";
import { JobKind } from "../bands/channel";
import { GEMM_ACTIVATIONS, GEMM_COLS, GEMM_ROWS } from "./gemm-simd";

export const OWN_GEMM_ENV_VAR = "TSLAB_LIGHTNING_OWN_GEMM";
let enabled: boolean | null = null;

/** Calls made through our GEMM (tests and benchmarks). */
export const ownGemmCounts = { calls: 0 };

/** Below this many multiply-adds a post and a wake-up cost more than the second core saves. */
const MIN_SPLIT_MACS = 2 << 20;

interface Bound {
  memory: WasmMemory;
  /**
   * Heap scratch for two strips of B (K × 32 bytes each: the main thread's, then the band worker's), grown as needed;
   * 64-byte aligned by the heap (aligned-heap.ts).
   */
  scratch: number;
  scratchBytes: number;
}
const bound = new WeakMap<object, Bound>();

type HeapModule = { _malloc(bytes: number): number; _free(ptr: number): void };

function gemmFor(backend: WasmBackendLike, k: number): Bound | null {
  const memory = wasmMemoryOf(backend);
  if (!memory) return null;
  let b = bound.get(memory);
  if (!b) bound.set(memory, (b = { memory, scratch: 0, scratchBytes: 0 }));
  const need = 2 * k * 32;
  if (b.scratchBytes < need) {
    const heap = backend.wasm as unknown as HeapModule;
    const bytes = Math.max(need, 64 * 1024);
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
 * act(op(a)·op(b) + bias) as a new tensor in the matmul kernels' output shape (the broadcast batch, then [M, N]), or
 * null (the caller then uses XNNPACK). op transposes the last two axes when its flag is set.
 */
export function ownGemm(backend: WasmBackendLike, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean, epilogue = PLAIN): TensorInfo | null {
  if (!(enabled ??= process.env[OWN_GEMM_ENV_VAR] !== "0")) return null;
  if (a.dtype !== "float32" || b.dtype !== "float32") return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const batchA = sizeOf(a.shape.slice(0, -2));
  if (sizeOf(b.shape.slice(0, -2)) !== 1 || (transposeA && batchA !== 1)) return null;
  const rowsA = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const m = batchA * rowsA;
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if ((transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) !== k) return null; // the shipped path reports it
  if (k < 1 || m < GEMM_ROWS || m % GEMM_ROWS !== 0 || n < GEMM_COLS || n % GEMM_COLS !== 0) return null;
  const act = GEMM_ACTIVATIONS[epilogue.activation];
  const bias = epilogue.bias;
  if (act === undefined) return null;
  if (bias && (bias.dtype !== "float32" || bias.shape.length !== 1 || bias.shape[0] !== n)) return null;
  const g = gemmFor(backend, k);
  if (!g) return null;
  const batch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = backend.makeOutput([...batch, rowsA, n], "float32");
  const at = (t: TensorInfo) => byteOffset(backend, t);
  // Heap offsets stay valid when the heap grows (only typed-array views detach). Two threads for big products
  // (bands/band-split.ts).
  const args = [at(a), at(b), at(out), m, k, n, bias ? at(bias) : 0, act, g.scratch, transposeA ? 4 : 4 * k, transposeA ? 4 * m : 4, transposeB ? 1 : 0, 4 * n];
  runBands(g.memory, JobKind.Gemm, args, `gemm:${m}x${k}x${n}`, m >= 2 * GEMM_ROWS && m * k * n >= MIN_SPLIT_MACS);
  ownGemmCounts.calls++;
  return out;
}
