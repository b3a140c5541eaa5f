// Identity for wasm as a shared buffer: the shipped kernel copies the tensor. tfjs's gradient code calls it all the
// time (125 times per MLP-GAN step, 1.7 ms of copies), and tensors never change in place — the wasm backend's own
// Reshape shares buffers the same way (incRef), and our kernels (Adam included) always write new tensors.
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";

interface RefCounting {
  incRef(dataId: object): void;
}

export function sharedIdentityConfig(shipped: KernelConfig): KernelConfig {
  const kernelFunc = (args: Parameters<KernelFunc>[0]): TensorInfo => {
    const { x } = args.inputs as { x: TensorInfo };
    // Strings live outside the heap: the shipped kernel handles them.
    if (x.dtype === "string") return shipped.kernelFunc(args) as TensorInfo;
    (args.backend as unknown as RefCounting).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { ...shipped, kernelFunc: kernelFunc as KernelFunc };
}
