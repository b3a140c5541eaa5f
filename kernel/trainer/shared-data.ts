/**
 * A second handle on a tensor's data, made without running a kernel: the backend's reference count keeps the data
 * until both handles are disposed (what the cpu backend's Identity does, and our wasm one). `clone()` runs a kernel
 * through the engine, and inside `trainingStep` the gradient tape records it as well; the per-batch references the
 * trainer keeps (a logged value, the outputs' loss) cost ~10 µs each that way.
 */
import type * as tf from "@tensorflow/tfjs";
import { engine } from "./tf-handles";

export function shareData<T extends tf.Tensor>(t: T): T {
  const e = engine();
  const backend = e.backend;
  // Disposed tensors throw in clone() as before; data that lives on another backend (read lazily after a backend
  // switch) gets a real copy.
  if (t.isDisposed || backend.refCount(t.dataId) === 0) return t.clone();
  backend.incRef(t.dataId);
  return e.makeTensorFromDataId(t.dataId, t.shape, t.dtype, backend) as T;
}
