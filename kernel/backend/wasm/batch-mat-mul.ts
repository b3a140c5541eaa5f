// BatchMatMul for wasm that keeps transposed operands (every matMul gradient) on XNNPACK.
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import { release } from "./call-kernel";
import { toFastOperands } from "./flatten-mat-mul";
import { NO_EPILOGUE } from "./parallel/fused-call";
import type { AliasingBackend } from "./parallel/heap-alias";
import { rowSplitMatMul } from "./parallel/row-split";
import { singleMatrixOperands } from "./parallel/single-matrix";
import type { WasmBackendLike } from "./wasm-heap";

export function tunedBatchMatMulConfig(shipped: KernelConfig): KernelConfig {
  const kernelFunc = (args: Parameters<KernelFunc>[0]): TensorInfo => {
    const backend = args.backend as unknown as WasmBackendLike;
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const fast = toFastOperands(backend, a, b, transposeA, transposeB) ?? singleMatrixOperands(a, b, transposeA, transposeB);
    if (fast == null) return shipped.kernelFunc(args) as TensorInfo;
    // Large matmuls split over the worker's core (parallel/); otherwise the shipped fast path.
    const out = rowSplitMatMul(backend as AliasingBackend, fast.a, fast.b, NO_EPILOGUE) ?? (shipped.kernelFunc({
      inputs: { a: fast.a, b: fast.b },
      backend: args.backend,
      attrs: { transposeA: false, transposeB: false },
    }) as TensorInfo);
    release(backend, ...fast.temporaries);
    return { ...out, shape: fast.outShape };
  };
  return { ...shipped, kernelFunc: kernelFunc as KernelFunc };
}
