/**
 * What a unit of each job kind is, computed the same way by either thread: a GEMM's unit is an 8-column strip of C
 * (every strip of B is copied once, by the thread that computes it), an Adam update's is 4 096 elements (seven streams
 * of 16 KB). A thread computes a run of units with one kernel call. Arguments are integers; Adam's float32 scalars
 * travel as their bits.
 */
import { bindAdam, type AdamUpdate } from "../adam/adam-simd";
import { bindGemm, type Gemm } from "../gemm/gemm-simd";
import type { WasmMemory } from "../wasm-heap";
import { JobKind } from "./channel";

/** Columns per GEMM unit (one strip). */
const GEMM_UNIT_COLS = 8;
/** Elements per Adam unit. */
const ADAM_UNIT_ELEMS = 4096;

export interface BandKernels {
  gemm: Gemm;
  adam: AdamUpdate;
}

export function bindBandKernels(memory: WasmMemory): BandKernels {
  return { gemm: bindGemm(memory), adam: bindAdam(memory) };
}

// Our GEMM's arguments are gemm-simd.ts's Gemm's, in order; its scratch holds two strips (2 × K × 32 bytes).
const B = 1, C = 2, K = 4, N = 5, BIAS = 6, SCRATCH = 8, BT = 11;

// Adam's arguments: element offsets p, g, m, v, outP, outM, outV, the element count, then the float32 bits of
// beta1, 1 − beta1, beta2, 1 − beta2, c1, c2, epsilon, −lr (adam-simd.ts).
const ADAM_N = 7;

export function unitCount(kind: JobKind, args: ArrayLike<number>): number {
  return Math.ceil(kind === JobKind.Gemm ? args[N] / GEMM_UNIT_COLS : args[ADAM_N] / ADAM_UNIT_ELEMS);
}

const bits = new DataView(new ArrayBuffer(4));
export function f32Bits(x: number): number {
  bits.setFloat32(0, x);
  return bits.getInt32(0);
}
function bitsF32(x: number): number {
  bits.setInt32(0, x);
  return bits.getFloat32(0);
}

/** Computes units [u0, u1) of a job; `strip` 0 (main thread) or 1 (worker) picks the GEMM's scratch strip. */
export function computeUnits(kernels: BandKernels, kind: JobKind, args: ArrayLike<number>, u0: number, u1: number, strip: number): void {
  if (kind === JobKind.Gemm) {
    const j0 = u0 * GEMM_UNIT_COLS;
    const cols = Math.min(u1 * GEMM_UNIT_COLS, args[N]) - j0;
    kernels.gemm(
      args[0], args[B] + (args[BT] ? j0 * args[K] * 4 : j0 * 4), args[C] + j0 * 4, args[3], args[K], cols,
      args[BIAS] ? args[BIAS] + j0 * 4 : 0, args[7], args[SCRATCH] + strip * args[K] * 32, args[9], args[10], args[BT], args[12],
    );
    return;
  }
  const e0 = u0 * ADAM_UNIT_ELEMS;
  kernels.adam(
    { p: args[0] + e0, g: args[1] + e0, m: args[2] + e0, v: args[3] + e0, outP: args[4] + e0, outM: args[5] + e0, outV: args[6] + e0 },
    Math.min(u1 * ADAM_UNIT_ELEMS, args[ADAM_N]) - e0,
    {
      beta1: bitsF32(args[8]), oneMinusBeta1: bitsF32(args[9]), beta2: bitsF32(args[10]), oneMinusBeta2: bitsF32(args[11]),
      c1: bitsF32(args[12]), c2: bitsF32(args[13]), epsilon: bitsF32(args[14]), negLr: bitsF32(args[15]),
    },
  );
}
