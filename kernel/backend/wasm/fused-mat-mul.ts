// _FusedMatMul (dense layers' forward) for wasm, routed like BatchMatMul onto XNNPACK.
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs";
import { release, runWasmKernel } from "./call-kernel";
import { toFastOperands } from "./flatten-mat-mul";
import { fusedEpilogue } from "./parallel/fused-call";
import { parallelMatMul } from "./parallel/parallel-mat-mul";
import type { WasmBackendLike } from "./wasm-heap";
import { ownGemm } from "./gemm/own-gemm";

export function tunedFusedMatMulConfig(shipped: KernelConfig): KernelConfig {
  const kernelFunc = (args: Parameters<KernelFunc>[0]): TensorInfo => {
    const backend = args.backend as unknown as WasmBackendLike;
    const inputs = args.inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean; activation?: string; leakyreluAlpha?: number };
    const cols = attrs.transposeB ? inputs.b.shape[inputs.b.shape.length - 2] : inputs.b.shape[inputs.b.shape.length - 1];
    // XNNPACK (and our GEMM) read the bias as one value per output column. Any other bias (size 1, a row or a full
    // matrix) is added by the broadcasting Add kernel after the product: the shipped kernel reads it as N values
    // anyway and returns garbage (tfjs-backend-wasm 4.22).
    const biasFits = inputs.bias == null || (inputs.bias.shape.length === 1 && inputs.bias.shape[0] === cols);
    if (!biasFits) return unfusedEpilogue(backend, kernelFunc, args, inputs, attrs);
    // Bias + linear/relu/relu6 (prelu's per-element weights never): our GEMM, which reads the weights in place.
    const gemmEpilogue = inputs.preluActivationWeights == null ? { bias: inputs.bias ?? null, activation: attrs.activation ?? "linear" } : null;
    const own = gemmEpilogue && ownGemm(backend, inputs.a, inputs.b, attrs.transposeA, attrs.transposeB, gemmEpilogue);
    if (own) return own;
    // Large matmuls are split with the second core's worker (parallel/), bias + activation on both parts.
    const epilogue = fusedEpilogue(attrs, inputs.bias, inputs.preluActivationWeights);
    const split = epilogue && parallelMatMul(backend, inputs.a, inputs.b, attrs.transposeA, attrs.transposeB, epilogue);
    if (split != null) return split;
    const fast = toFastOperands(backend, inputs.a, inputs.b, attrs.transposeA, attrs.transposeB);
    if (fast == null) return shipped.kernelFunc(args) as TensorInfo;
    const out = shipped.kernelFunc({
      inputs: { ...inputs, a: fast.a, b: fast.b },
      backend: args.backend,
      attrs: { ...args.attrs, transposeA: false, transposeB: false },
    }) as TensorInfo;
    release(backend, ...fast.temporaries);
    return { ...out, shape: fast.outShape };
  };
  return { ...shipped, kernelFunc: kernelFunc as KernelFunc };
}

/** tfjs activation name → the wasm kernel applying it (and its attributes). */
const ACTIVATION_KERNELS: Record<string, (alpha: number) => { name: string; attrs: NamedAttrMap }> = {
  relu: () => ({ name: "Relu", attrs: {} }),
  relu6: () => ({ name: "Relu6", attrs: {} }),
  elu: () => ({ name: "Elu", attrs: {} }),
  sigmoid: () => ({ name: "Sigmoid", attrs: {} }),
  leakyrelu: (alpha) => ({ name: "LeakyRelu", attrs: { alpha } }),
};

/** act(a·b + bias) as three kernels: the product (through the fused kernel, no epilogue), a broadcasting Add, act. */
function unfusedEpilogue(
  backend: WasmBackendLike,
  fused: (args: Parameters<KernelFunc>[0]) => TensorInfo,
  args: Parameters<KernelFunc>[0],
  inputs: { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo },
  attrs: { activation?: string; leakyreluAlpha?: number },
): TensorInfo {
  const product = fused({ ...args, inputs: { a: inputs.a, b: inputs.b }, attrs: { ...args.attrs, activation: "linear" } });
  const sum = runWasmKernel("Add", backend, { a: product, b: inputs.bias! });
  release(backend, product);
  const activation = attrs.activation ?? "linear";
  if (activation === "linear") return sum;
  const out = activation === "prelu"
    ? runWasmKernel("Prelu", backend, { x: sum, alpha: inputs.preluActivationWeights! })
    : (() => {
      const k = ACTIVATION_KERNELS[activation]?.(attrs.leakyreluAlpha ?? 0.2);
      if (!k) throw new Error(`_FusedMatMul: unknown activation "${activation}"`);
      return runWasmKernel(k.name, backend, { x: sum }, k.attrs);
    })();
  release(backend, sum);
  return out;
}
