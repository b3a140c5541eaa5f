// _FusedMatMul (dense layers' forward) for wasm, routed like BatchMatMul onto XNNPACK.
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import { release } from "./call-kernel";
import { toFastOperands } from "./flatten-mat-mul";
import { fusedEpilogue } from "./parallel/fused-call";
import { parallelMatMul } from "./parallel/parallel-mat-mul";
import type { WasmBackendLike } from "./wasm-heap";

export function tunedFusedMatMulConfig(shipped: KernelConfig): KernelConfig {
  const kernelFunc = (args: Parameters<KernelFunc>[0]): TensorInfo => {
    const backend = args.backend as unknown as WasmBackendLike;
    const inputs = args.inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean; activation?: string; leakyreluAlpha?: number };
    const cols = attrs.transposeB ? inputs.b.shape[inputs.b.shape.length - 2] : inputs.b.shape[inputs.b.shape.length - 1];
    // XNNPACK reads the bias as one value per output column; a broadcast (size-1) bias must stay on the shipped path.
    const biasFits = inputs.bias == null || (inputs.bias.shape.length === 1 && inputs.bias.shape[0] === cols);
    // Large matmuls are split with the second core's worker (parallel/), bias + activation on both parts.
    const epilogue = biasFits ? fusedEpilogue(attrs, inputs.bias, inputs.preluActivationWeights) : null;
    const split = epilogue && parallelMatMul(backend, inputs.a, inputs.b, attrs.transposeA, attrs.transposeB, epilogue);
    if (split != null) return split;
    const fast = biasFits ? toFastOperands(backend, inputs.a, inputs.b, attrs.transposeA, attrs.transposeB) : null;
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
