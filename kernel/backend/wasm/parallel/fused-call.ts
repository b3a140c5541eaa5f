// Calls tfjs-backend-wasm's C entry point for _FusedMatMul with tensor ids we choose. The shipped
// kernel always allocates its own output; calling the C function directly lets each thread write
// its rows straight into the final output (an alias, see heap-alias.ts): no copy on the main side.
// Used by both threads, so the main thread's rows and the worker's rows go through the same code.
import type { TensorInfo } from "@tensorflow/tfjs-core";

/** The emscripten module of a wasm backend, as far as this file needs it. */
export interface WasmModuleLike {
  HEAPU8: Uint8Array;
  cwrap(name: string, returnType: null, argTypes: string[]): (...args: unknown[]) => void;
}

/** tfjs-backend-wasm's FusableActivation codes (cc/fusable_activations.h). */
export const ACTIVATION_CODES: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 4, sigmoid: 5, elu: 6 };

type CFusedMatMul = (...args: unknown[]) => void;
const wrapped = new WeakMap<object, CFusedMatMul>();

function cFusedMatMul(wasm: WasmModuleLike): CFusedMatMul {
  let fn = wrapped.get(wasm);
  if (fn == null) {
    // Argument order of tfjs-backend-wasm 4.x's _FusedMatMul (see its kernels/_FusedMatMul.js).
    fn = wasm.cwrap("_FusedMatMul", null, [
      "number", "array", "number", // a id, a shape, rank
      "number", "array", "number", // b id, b shape, rank
      "number", "number", // transposeA, transposeB
      "number", "number", "number", "number", // activation, bias id, prelu weights id, leakyrelu alpha
      "number", // out id
    ]);
    wrapped.set(wasm, fn);
  }
  return fn;
}

/** What _FusedMatMul applies after the product, identically on both threads. */
export interface Epilogue {
  bias: TensorInfo | null; // 1-D, one value per output column
  activation: number; // FusableActivation code; prelu (per-element weights) never splits
  alpha: number; // leakyrelu's
}
export const NO_EPILOGUE: Epilogue = { bias: null, activation: 0, alpha: 0 };

/** The epilogue of a _FusedMatMul call, or null when it cannot be split by rows (prelu, unknown activation). */
export function fusedEpilogue(
  attrs: { activation?: string; leakyreluAlpha?: number },
  bias: TensorInfo | undefined,
  preluWeights: TensorInfo | undefined,
): Epilogue | null {
  const activation = ACTIVATION_CODES[attrs.activation ?? "linear"];
  if (activation == null || preluWeights != null) return null;
  return { bias: bias ?? null, activation, alpha: attrs.leakyreluAlpha ?? 0 };
}

const shapeBytes = (shape: number[]) => new Uint8Array(new Int32Array(shape).buffer);

/**
 * out[rows × cols] = act(a[rows × inner] · b[inner × cols] + bias) on XNNPACK. Ids are the
 * backend's internal tensor ids (dataIdMap entries' `id`), 0 for "no bias". b's id must be fresh
 * for fresh data: XNNPACK keeps b's packed copy keyed by that id until the id is disposed.
 */
export function fusedMatMulInto(
  wasm: WasmModuleLike,
  ids: { a: number; b: number; bias: number; out: number },
  rows: number,
  inner: number,
  cols: number,
  activation: number,
  alpha: number,
): void {
  cFusedMatMul(wasm)(
    ids.a, shapeBytes([1, rows, inner]), 3,
    ids.b, shapeBytes([1, inner, cols]), 3,
    0, 0,
    activation, ids.bias, 0, alpha,
    ids.out,
  );
}
