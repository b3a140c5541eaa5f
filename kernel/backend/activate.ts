// Makes a registered tfjs backend active and proves it works. tf.setBackend reports a failed
// initialisation (e.g. wasm that cannot load its binary) by returning false, not by throwing,
// and can leave getBackend() naming a backend whose first op throws: check both, then run ops.
import * as tf from "@tensorflow/tfjs";

export async function activateBackend(name: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    throw new Error(`tf.setBackend('${name}') threw: ${firstLine(err)}`);
  }
  if (!ok) throw new Error(`tf.setBackend('${name}') returned false (its initialisation failed; tfjs logged the cause above)`);
  if (tf.getBackend() !== name) throw new Error(`tf.setBackend('${name}') left '${tf.getBackend()}' active`);
  await smokeTest(name);
}

/** A transposed matmul plus an add: exercises the tuned wasm path too. Read asynchronously (webgpu cannot read sync). */
async function smokeTest(name: string): Promise<void> {
  const y = tf.tidy(() => tf.add(tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([1, 1], [2, 1]), true, false), 1));
  try {
    const got = Array.from(await y.data());
    if (got.length !== 2 || got[0] !== 5 || got[1] !== 7) {
      throw new Error(`backend '${name}' computed [${got.join(", ")}] for a 2x2 smoke test instead of [5, 7]`);
    }
  } finally {
    y.dispose();
  }
}

export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n")[0].trim();
}
