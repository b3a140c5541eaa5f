/**
 * What a band of each job kind is, computed the same way by either thread. A job is cut into units — a GEMM's 8-column
 * strips (every strip of B is copied once, by the thread that computes it), an Adam update's 4 096 elements — and
 * bands are 4 units, except the last TAIL_BANDS claimed (claims run from the highest band down), which are 1 unit:
 * whichever thread finishes first then waits at most a small band for the other (with 4-unit bands to the end, the
 * main thread spent ~5 % of an MLP-GAN step waiting for the worker's last one). Arguments are integers; Adam's float32
 * scalars travel as their bits.
 */
import { bindAdam, type AdamUpdate } from "../adam/adam-simd";
import { bindGemm, type Gemm } from "../gemm/gemm-simd";
import type { WasmMemory } from "../wasm-heap";
import { JobKind } from "./channel";

/** Columns per GEMM unit (one strip). */
const GEMM_UNIT_COLS = 8;
/** Elements per Adam unit (seven streams of 16 KB). */
const ADAM_UNIT_ELEMS = 4096;
/** Units per band: a call's own cost stays < 1 %. */
const BAND_UNITS = 4;
/** The bands claimed last (the lowest) are one unit each. */
const TAIL_BANDS = 4;

function unitsOf(kind: JobKind, args: ArrayLike<number>): number {
  return Math.ceil(kind === JobKind.Gemm ? args[N] / GEMM_UNIT_COLS : args[ADAM_N] / ADAM_UNIT_ELEMS);
}

/** The units [first, end) of band `band`. */
function unitRange(band: number, units: number): [number, number] {
  if (band < TAIL_BANDS) return [band, Math.min(band + 1, units)];
  const first = TAIL_BANDS + BAND_UNITS * (band - TAIL_BANDS);
  return [first, Math.min(first + BAND_UNITS, units)];
}

export interface BandKernels {
  gemm: Gemm;
  adam: AdamUpdate;
}

export function bindBandKernels(memory: WasmMemory): BandKernels {
  return { gemm: bindGemm(memory), adam: bindAdam(memory) };
}

/** Our GEMM's arguments (gemm-simd.ts's Gemm, in order); the scratch holds two strips (2 × K × 32 bytes). */
export type GemmArgs = Parameters<Gemm>;
const B = 1, C = 2, K = 4, N = 5, BIAS = 6, SCRATCH = 8, BT = 11;

/**
 * Adam's arguments: element offsets p, g, m, v, outP, outM, outV, the element count, then the float32 bits of
 * beta1, 1 − beta1, beta2, 1 − beta2, c1, c2, epsilon, −lr (adam-simd.ts).
 */
export type AdamArgs = number[];
const ADAM_N = 7;

export function bandCount(kind: JobKind, args: ArrayLike<number>): number {
  const units = unitsOf(kind, args);
  return units <= TAIL_BANDS ? units : TAIL_BANDS + Math.ceil((units - TAIL_BANDS) / BAND_UNITS);
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

/** Computes band `band` of a job; `strip` 0 (main thread) or 1 (worker) picks the GEMM's scratch strip. */
export function computeBand(kernels: BandKernels, kind: JobKind, args: ArrayLike<number>, band: number, strip: number): void {
  const [u0, u1] = unitRange(band, unitsOf(kind, args));
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
