// BatchMatMul for wasm: our GEMM where it applies, else transposed operands (every matMul gradient) on XNNPACK.
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import { release } from "./call-kernel";
import { toFastOperands } from "./flatten-mat-mul";
import { NO_EPILOGUE } from "./parallel/fused-call";
import { parallelMatMul } from "./parallel/parallel-mat-mul";
import type { WasmBackendLike } from "./wasm-heap";
import { shouldSwapTransposedB, swappedTransposedB } from "./swap-transposed-b";
import { ownGemm } from "./gemm/own-gemm";

export function tunedBatchMatMulConfig(shipped: KernelConfig): KernelConfig {
  const kernelFunc = (args: Parameters<KernelFunc>[0]): TensorInfo => {
    const backend = args.backend as unknown as WasmBackendLike;
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    // One matrix of B (either orientation): our GEMM, which reads the weights in place (XNNPACK re-packs new ones)
    // and reads transposed operands where they are.
    const own = ownGemm(backend, a, b, transposeA, transposeB);
    if (own != null) return own;
    if (shouldSwapTransposedB(a, b, transposeA, transposeB)) {
      return swappedTransposedB(backend, a, b, (x, y) =>
        kernelFunc({ ...args, inputs: { a: x, b: y }, attrs: { transposeA: false, transposeB: false } }));
    }
    // Large matmuls are split with the second core's worker (parallel/).
    const split = parallelMatMul(backend, a, b, transposeA, transposeB, NO_EPILOGUE);
    if (split != null) return split;
    const fast = toFastOperands(backend, a, b, transposeA, transposeB);
    if (fast == null) return shipped.kernelFunc(args) as TensorInfo;
    const out = shipped.kernelFunc({
      inputs: { a: fast.a, b: fast.b },
      backend: args.backend,
      attrs: { transposeA: false, transposeB: false },
    }) as TensorInfo;
    release(backend, ...fast.temporaries);
    return { ...out, shape: fast.outShape };
  };
  return { ...shipped, kernelFunc: kernelFunc as KernelFunc };
}
