/**
 * C = A·B for row-major float32 matrices on the tfjs wasm heap, as one hand-encoded WebAssembly SIMD function.
 *
 * Why not XNNPACK: its fully-connected operator packs B (the weights) into its own layout when the operator is
 * created, and tfjs caches that operator by B's tensor id. In training B is a fresh tensor on every step (the
 * optimizer writes new weights), so every forward matmul re-packs: measured here, 64×784×256 takes 1.3–2.1 ms with
 * fresh weights vs 0.75–1.1 ms cached (12–20 GFLOP/s vs 23–34). This kernel reads B in place:
 *  - tiles of 4 rows × 8 columns of C in 8 f32x4 accumulators;
 *  - per k: two f32x4 loads of B's row k (8 contiguous floats), four `v128.load32_splat`s of A, 8 mul + 8 add;
 *  - blocks of 64 rows outermost (their rows of A stay in L2), then 8-column strips of B, each copied contiguous into
 *    a scratch (K × 32 bytes, in L1 across the block's row tiles; in place, rows N floats apart alias in the cache
 *    when N is a power of two), then the block's row tiles.
 * Through tfjs, 40–46 GFLOP/s on one core here for every shape measured (the f32x4 mul+add peak of the same core:
 * 41–49), against XNNPACK's 33–38 with cached weights.
 * Shapes: M % 4 == 0 and N % 8 == 0 (the caller routes others to XNNPACK). Sums start from the bias and run over k
 * in order, mul then add in float32, then relu/relu6 clamp: XNNPACK's order, so results are bit-identical to it.
 */
import { I32, V128, f32x4Const, get, i32Add, i32Const, i32Mul, moduleBytes, set, simd, tee, uleb, v128Load, v128Store, v128Zero, vec } from "../wasm-encode";
import type { WasmMemory } from "../wasm-heap";
import { simdKernel } from "../simd-module";

/**
 * C (byte offset c) = act(A (a, M×K) · B (b, K×N) + bias); byte offsets into the heap, `bias` 0 for none (else N
 * floats), `act` one of GEMM_ACTIVATIONS, `scratch` K × 32 bytes (16-byte aligned) the kernel may overwrite.
 * A's element (i, k) is at a + i·aRow + k·aCol bytes: (K·4, 4) row-major, (4, M·4) for Aᵀ stored as K×M — the
 * gradient of a dense layer's weights, Xᵀ·dY, without a transpose. `bT` 1: B is stored as N×K (Bᵀ; the input gradient
 * dY·Wᵀ), gathered into the strip copy the kernel makes anyway. `ldc`: bytes between rows of C (and of B when not
 * transposed) — N·4 for the whole product, more when computing a band of its columns (gemm-split.ts).
 */
export type Gemm = (a: number, b: number, c: number, m: number, k: number, n: number, bias: number, act: number, scratch: number, aRow: number, aCol: number, bT: number, ldc: number) => void;

/** Epilogues computed in the kernel (tfjs's FusableActivation names); others stay on XNNPACK. */
export const GEMM_ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2 };

export const GEMM_ROWS = 4;
export const GEMM_COLS = 8;
/** Rows of A per block (a multiple of GEMM_ROWS): 64 rows × K ≤ 1024 floats = 256 KB, within L2. */
const ROW_BLOCK = 64;

// Params (i32): a, b, c byte addresses; M, K, N; bias byte address (0: none); activation code; scratch byte address
// (K × 32 bytes, 16-byte aligned: one 8-column strip of B, copied contiguous); A's row and k strides in bytes; B
// stored transposed (0/1); bytes between rows of C (and of B when not transposed).
const A = 0, B = 1, C = 2, M = 3, K = 4, N = 5, BIAS = 6, ACT = 7, SCRATCH = 8, A_ROW = 9, A_COL = 10, BT = 11, ROW_B = 12;
// i32 locals
const J = 13, I = 14, PA0 = 15, PA1 = 16, PA2 = 17, PA3 = 18, PB = 19, PC = 20, KEND = 21, K_SPAN = 22;
const I0 = 23, IEND = 24, PS = 25, SEND = 26, ROW_K = 27, T = 28;
const I32_LOCALS = 16;
// v128 locals: 8 accumulators (row r: ACC + 2r, ACC + 2r + 1), B's two vectors, A's splat, the strip's bias
const ACC = 29, B0 = 37, B1 = 38, S = 39, BIAS0 = 40, BIAS1 = 41;
const V128_LOCALS = 13;
const PARAMS = 13;

const splatLoad = [...simd(0x09), 0x02, 0x00]; // v128.load32_splat align=4 offset=0
const fAdd = simd(0xe4);
const fMul = simd(0xe6);
const fMin = simd(0xe8);
const fMax = simd(0xe9);

/** scratch[PS + 4c] = Bᵀ[j + c, k] for c < 8, PB pointing at Bᵀ[j, k]: f32 loads ROW_K apart, then f32 stores. */
function gatherColumn(): number[] {
  const code: number[] = [...get(PB), ...set(T)];
  for (let c = 0; c < GEMM_COLS; c++) {
    if (c > 0) code.push(...get(T), ...get(ROW_K), ...i32Add, ...set(T));
    code.push(...get(PS), ...get(T), 0x2a, 0x02, 0x00, 0x38, 0x02, ...uleb(4 * c)); // f32.load; f32.store offset 4c
  }
  return code;
}

function body(): number[] {
  const rows = [PA0, PA1, PA2, PA3];
  const code: number[] = [
    // K_SPAN = K*aCol (A's k extent in bytes), ROW_K = K*4 (row stride of Bᵀ); SEND = scratch + K*32
    ...get(K), ...get(A_COL), ...i32Mul, ...set(K_SPAN),
    ...get(K), ...i32Const(4), ...i32Mul, ...set(ROW_K),
    ...get(SCRATCH), ...get(K), ...i32Const(32), ...i32Mul, ...i32Add, ...set(SEND),
    ...i32Const(0), ...set(I0),
    0x03, 0x40, // loop over blocks of ROW_BLOCK rows: their rows of A stay in L2 while every strip of B passes
    // IEND = min(I0 + ROW_BLOCK, M)
    ...get(I0), ...i32Const(ROW_BLOCK), ...i32Add, ...tee(IEND), ...get(M), ...get(IEND), ...get(M), 0x49, 0x1b, ...set(IEND),
    ...i32Const(0), ...set(J),
    0x03, 0x40, // loop over 8-column strips (j)
    // The strip's bias (XNNPACK starts its sums from the bias too: same rounding), or zeros.
    ...get(BIAS), 0x04, 0x40,
    ...get(BIAS), ...get(J), ...i32Const(4), ...i32Mul, ...i32Add, ...tee(PB), ...v128Load(0), ...set(BIAS0),
    ...get(PB), ...v128Load(16), ...set(BIAS1),
    0x05, ...v128Zero, ...set(BIAS0), ...v128Zero, ...set(BIAS1), 0x0b,
    // Copy the strip B[0..K, j..j+8] into the scratch, contiguous: rows of B are N floats apart, and with N a power
    // of two they all map to the same few cache sets (a 64×1024×1024 product ran at 14 GFLOP/s in place).
    ...get(SCRATCH), ...set(PS),
    ...get(BT), 0x04, 0x40,
    // Bᵀ (N×K): the strip is rows j..j+8, gathered one k at a time (each row's next k is in the same cache line).
    ...get(B), ...get(J), ...get(ROW_K), ...i32Mul, ...i32Add, ...set(PB),
    0x03, 0x40,
    ...gatherColumn(),
    ...get(PB), ...i32Const(4), ...i32Add, ...set(PB),
    ...get(PS), ...i32Const(32), ...i32Add, ...tee(PS), ...get(SEND), 0x47, 0x0d, 0x00, 0x0b,
    0x05,
    ...get(B), ...get(J), ...i32Const(4), ...i32Mul, ...i32Add, ...set(PB),
    0x03, 0x40,
    ...get(PS), ...get(PB), ...v128Load(0), ...v128Store(0),
    ...get(PS), ...get(PB), ...v128Load(16), ...v128Store(16),
    ...get(PB), ...get(ROW_B), ...i32Add, ...set(PB),
    ...get(PS), ...i32Const(32), ...i32Add, ...tee(PS), ...get(SEND), 0x47, 0x0d, 0x00, 0x0b,
    0x0b,
    ...get(I0), ...set(I),
    0x03, 0x40, // loop over 4-row tiles (i)
    // pa_r = a + (i + r) * aRow; KEND = pa0 + K_SPAN
    ...get(A), ...get(I), ...get(A_ROW), ...i32Mul, ...i32Add, ...tee(PA0),
    ...get(A_ROW), ...i32Add, ...tee(PA1), ...get(A_ROW), ...i32Add, ...tee(PA2), ...get(A_ROW), ...i32Add, ...set(PA3),
    ...get(PA0), ...get(K_SPAN), ...i32Add, ...set(KEND),
    ...get(SCRATCH), ...set(PB),
  ];
  for (let q = 0; q < 8; q++) code.push(...get(q % 2 === 0 ? BIAS0 : BIAS1), ...set(ACC + q));
  code.push(0x03, 0x40); // loop over k
  code.push(...get(PB), ...v128Load(0), ...set(B0), ...get(PB), ...v128Load(16), ...set(B1));
  rows.forEach((pa, r) => {
    code.push(...get(pa), ...splatLoad, ...set(S));
    code.push(...get(ACC + 2 * r), ...get(S), ...get(B0), ...fMul, ...fAdd, ...set(ACC + 2 * r));
    code.push(...get(ACC + 2 * r + 1), ...get(S), ...get(B1), ...fMul, ...fAdd, ...set(ACC + 2 * r + 1));
  });
  for (const pa of rows) code.push(...get(pa), ...get(A_COL), ...i32Add, ...set(pa));
  code.push(...get(PB), ...i32Const(32), ...i32Add, ...set(PB));
  code.push(...get(PA0), ...get(KEND), 0x47, 0x0d, 0x00, 0x0b); // br_if (pa0 != KEND); end k
  // relu: max(x, 0); relu6: min(max(x, 0), 6) — XNNPACK's output clamp
  code.push(...get(ACT), 0x04, 0x40);
  for (let q = 0; q < 8; q++) code.push(...get(ACC + q), ...v128Zero, ...fMax, ...set(ACC + q));
  code.push(...get(ACT), ...i32Const(2), 0x46, 0x04, 0x40); // act == 2
  for (let q = 0; q < 8; q++) code.push(...get(ACC + q), ...f32x4Const(6), ...fMin, ...set(ACC + q));
  code.push(0x0b, 0x0b);
  // pc = c + i * ROW_B + j * 4; store the tile row by row
  code.push(...get(C), ...get(I), ...get(ROW_B), ...i32Mul, ...i32Add, ...get(J), ...i32Const(4), ...i32Mul, ...i32Add, ...set(PC));
  for (let r = 0; r < 4; r++) {
    code.push(...get(PC), ...get(ACC + 2 * r), ...v128Store(0), ...get(PC), ...get(ACC + 2 * r + 1), ...v128Store(16));
    if (r < 3) code.push(...get(PC), ...get(ROW_B), ...i32Add, ...set(PC));
  }
  code.push(...get(I), ...i32Const(GEMM_ROWS), ...i32Add, ...tee(I), ...get(IEND), 0x49, 0x0d, 0x00, 0x0b); // i < IEND; end i
  code.push(...get(J), ...i32Const(GEMM_COLS), ...i32Add, ...tee(J), ...get(N), 0x49, 0x0d, 0x00, 0x0b); // j < N; end j
  code.push(...get(I0), ...i32Const(ROW_BLOCK), ...i32Add, ...tee(I0), ...get(M), 0x49, 0x0d, 0x00, 0x0b); // I0 < M; end block
  code.push(0x0b); // end function
  return [...vec([[...uleb(I32_LOCALS), I32], [...uleb(V128_LOCALS), V128]]), ...code];
}

/** The module's bytes (exported for the validity test); `shared` imports a shared memory (the threaded build's). */
export function gemmModuleBytes(shared = false): Uint8Array {
  return moduleBytes("gemm", new Array<number>(PARAMS).fill(I32), body(), shared);
}

/** Binds the kernel to a tfjs wasm heap (one instance per heap). */
export const bindGemm: (memory: WasmMemory) => Gemm = simdKernel<Gemm>(gemmModuleBytes, "gemm");
