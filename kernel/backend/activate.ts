// Makes a registered tfjs backend active and proves it works. tf.setBackend reports a failed
// initialisation (e.g. wasm that cannot load its binary) by returning false, not by throwing,
// and can leave getBackend() naming a backend whose first op throws: check both, then run ops.
import * as tf from "@tensorflow/tfjs";

export async function activateBackend(name: string): Promise<void> {
  silenceCpuBanner();
  let ok: boolean;
  const warnings: string[] = [];
  const warn = console.warn;
  // tfjs reports a failed backend factory only through console.warn: capture it for the reason.
  console.warn = (...args: unknown[]) => void warnings.push(args.map(describeWarning).join(" "));
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    throw new Error(`tf.setBackend('${name}') threw: ${firstLine(err)}`);
  } finally {
    console.warn = warn;
  }
  if (!ok) {
    const cause = firstLine(warnings.find((w) => !/^Initialization of backend/.test(w)) ?? "").slice(0, 300);
    throw new Error(`tf.setBackend('${name}') returned false: ${cause || "its initialisation failed"}`);
  }
  for (const w of warnings) console.warn(w);
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

function describeWarning(arg: unknown): string {
  if (arg instanceof Error) return arg.message;
  if (arg != null && typeof arg === "object" && typeof (arg as { message?: unknown }).message === "string") {
    return (arg as { message: string }).message;
  }
  return String(arg);
}

export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n")[0].trim();
}

/**
 * The cpu backend prints a "Hi, looks like you are running TensorFlow.js in Node.js ... install tfjs-node" banner on
 * its first tensor. We choose the backend ourselves and report why the native ones were skipped, so the banner would
 * only land in a user's first notebook cell as noise.
 */
export function silenceCpuBanner(): void {
  const cpu = tf.findBackend("cpu") as { firstUse?: boolean } | null;
  if (cpu && "firstUse" in cpu) cpu.firstUse = false;
}
