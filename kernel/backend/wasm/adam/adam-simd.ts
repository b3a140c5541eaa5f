/**
 * Adam's whole per-variable update as one WebAssembly SIMD loop over the tfjs wasm heap. tfjs runs Adam as ~14
 * separate kernels, each streaming the variable's size through memory (memory-bound: ~1.5 ms per step for a 235k-
 * parameter MLP); this reads p, g, m, v once and writes p', m', v' once. Every lane does the same float32 operations
 * in the same order as tfjs's `AdamOptimizer.applyGradients`, so results are bit-identical to it.
 *
 * The module is a few dozen bytes of hand-encoded wasm (no compiler needed at install time) that imports the tfjs
 * module's own `WebAssembly.Memory`, so it works on tensors in place — no copies.
 */
import { F32, I32, V128, get, i32Add, moduleBytes, set, simd, uleb, vec } from "../wasm-encode";
import type { WasmMemory } from "../wasm-heap";
import { simdKernel } from "../simd-module";

/** Element offsets (float32 index into the heap) of the operands and outputs. */
export interface AdamPointers {
  p: number;
  g: number;
  m: number;
  v: number;
  outP: number;
  outM: number;
  outV: number;
}

/** Float32 scalars of one step: `c1 = 1 - beta1^t`, `c2 = 1 - beta2^t` (read from tfjs's accBeta variables). */
export interface AdamScalars {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  c1: number;
  c2: number;
  epsilon: number;
  negLr: number;
}

export type AdamUpdate = (ptr: AdamPointers, n: number, s: AdamScalars) => void;

const load = [...simd(0x00), 0x00, 0x00]; // v128.load align=1 offset=0 (tfjs buffers are not 16-byte aligned)
const store = [...simd(0x0b), 0x00, 0x00]; // v128.store
const splat = simd(0x13); // f32x4.splat
const sqrt = simd(0xe3);
const add = simd(0xe4);
const mul = simd(0xe6);
const div = simd(0xe7);

// Params: 0..6 byte addresses p g m v outP outM outV, 7 byte length (multiple of 16), 8..15 the f32 scalars.
const P = 0, G = 1, M = 2, V = 3, OUT_P = 4, OUT_M = 5, OUT_V = 6, BYTES = 7;
const SCALAR0 = 8; // beta1, 1-beta1, beta2, 1-beta2, c1, c2, eps, -lr
// Locals after the params: 16 = i (i32); 17..24 splatted scalars; 25 g; 26 m'; 27 v' (v128).
const I = 16, SPLAT0 = 17, GV = 25, MV = 26, VV = 27;
const B1 = SPLAT0, OMB1 = SPLAT0 + 1, B2 = SPLAT0 + 2, OMB2 = SPLAT0 + 3, C1 = SPLAT0 + 4, C2 = SPLAT0 + 5, EPS = SPLAT0 + 6, NLR = SPLAT0 + 7;
const at = (base: number) => [...get(base), ...get(I), ...i32Add];

function body(): number[] {
  const code: number[] = [];
  for (let k = 0; k < 8; k++) code.push(...get(SCALAR0 + k), ...splat, ...set(SPLAT0 + k));
  code.push(
    0x02, 0x40, // block
    0x03, 0x40, // loop
    ...get(I), ...get(BYTES), 0x4f, 0x0d, 0x01, // if i >= bytes: br 1 (exit)
    ...at(G), ...load, ...set(GV),
    // m' = m*beta1 + g*(1-beta1)
    ...at(M), ...load, ...get(B1), ...mul, ...get(GV), ...get(OMB1), ...mul, ...add, ...set(MV),
    ...at(OUT_M), ...get(MV), ...store,
    // v' = v*beta2 + (g*g)*(1-beta2)
    ...at(V), ...load, ...get(B2), ...mul, ...get(GV), ...get(GV), ...mul, ...get(OMB2), ...mul, ...add, ...set(VV),
    ...at(OUT_V), ...get(VV), ...store,
    // p' = ((m'/c1) / (sqrt(v'/c2) + eps)) * (-lr) + p
    ...at(OUT_P),
    ...get(MV), ...get(C1), ...div, ...get(VV), ...get(C2), ...div, ...sqrt, ...get(EPS), ...add, ...div, ...get(NLR), ...mul,
    ...at(P), ...load, ...add, ...store,
    ...get(I), 0x41, 0x10, ...i32Add, ...set(I), // i += 16
    0x0c, 0x00, // br 0 (loop)
    0x0b, // end loop
    0x0b, // end block
    0x0b, // end function
  );
  return [...vec([[...uleb(1), I32], [...uleb(11), V128]]), ...code];
}

/** The module's bytes (exported for the validity test); `shared` imports a shared memory (the threaded build's). */
export function adamModuleBytes(shared = false): Uint8Array {
  return moduleBytes("adam", [...Array(8).fill(I32), ...Array(8).fill(F32)], body(), shared);
}

const simdLoopFor = simdKernel<(...args: number[]) => void>(adamModuleBytes, "adam");

/** Binds the update to a tfjs wasm heap. The scalar tail (length % 4) runs in JS with the same float32 rounding. */
export function bindAdam(memory: WasmMemory): AdamUpdate {
  const simdLoop = simdLoopFor(memory);
  return (ptr, n, s) => {
    const lanes = n & ~3;
    if (lanes > 0) {
      simdLoop(ptr.p * 4, ptr.g * 4, ptr.m * 4, ptr.v * 4, ptr.outP * 4, ptr.outM * 4, ptr.outV * 4, lanes * 4,
        s.beta1, s.oneMinusBeta1, s.beta2, s.oneMinusBeta2, s.c1, s.c2, s.epsilon, s.negLr);
    }
    if (lanes === n) return;
    const heap = new Float32Array(memory.buffer);
    const f = Math.fround;
    // The wasm loop receives every scalar as f32; round them the same way here.
    const [b1, omb1, b2, omb2, c1, c2, eps, nlr] = [s.beta1, s.oneMinusBeta1, s.beta2, s.oneMinusBeta2, s.c1, s.c2, s.epsilon, s.negLr].map(f);
    for (let i = lanes; i < n; i++) {
      const g = heap[ptr.g + i];
      const m = f(f(heap[ptr.m + i] * b1) + f(g * omb1));
      const v = f(f(heap[ptr.v + i] * b2) + f(f(g * g) * omb2));
      heap[ptr.outM + i] = m;
      heap[ptr.outV + i] = v;
      heap[ptr.outP + i] = f(f(f(f(m / c1) / f(f(Math.sqrt(f(v / c2))) + eps)) * nlr) + heap[ptr.p + i]);
    }
  };
}
