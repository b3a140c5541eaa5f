// Test helpers: run the same tensor program on cpu and on wasm and compare the results.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";

/** Runs `program` with `backend` active and reads every output (async, batched). */
export async function runOn(backend: string, program: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  assert.equal(await tf.setBackend(backend), true, `setBackend('${backend}') failed`);
  const outs = tf.tidy(program);
  const list = Array.isArray(outs) ? outs : [outs];
  const data = await Promise.all(list.map((t) => t.data()));
  tf.dispose(list);
  return data.map((d) => Float32Array.from(d as ArrayLike<number>));
}

/** Max |a-b| relative to max |expected|: the tolerance a float32 reordering of sums can meet. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, "length mismatch");
  let maxDiff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? maxDiff : maxDiff / scale;
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label: string): void {
  for (let i = 0; i < actual.length; i++) assert.ok(Number.isFinite(actual[i]), `${label}: non-finite value at ${i}`);
  const err = relativeError(actual, expected);
  assert.ok(err <= tol, `${label}: relative error ${err.toExponential(2)} > ${tol}`);
}

/** Deterministic pseudo-random values in [-1, 1) (no dependence on tf's RNG or backend). */
export function seededValues(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

export function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(seededValues(shape.reduce((a, b) => a * b, 1), seed), shape);
}

/** Runs `script` with `node -e` from the package root; resolves its exit code (null: killed after 45 s) and output. */
export async function runNodeScript(script: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["-e", script], {
    cwd: path.join(__dirname, "../.."),
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(null);
    }, 45_000);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, stdout, stderr };
}
