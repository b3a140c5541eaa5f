import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import os from "node:os";
import { test } from "node:test";
import { activateBackend } from "../../kernel/backend/activate";
import { describeBackend } from "../../kernel/backend/report";
import { BACKEND_ENV_VAR, ensureBackend, selectBackend } from "../../kernel/backend/select";
import { isWasmTuningRegistered } from "../../kernel/backend/wasm/register";

test("prefer cpu activates cpu first and reports only that attempt", async () => {
  const report = await selectBackend({ prefer: "cpu", quiet: true });
  assert.deepEqual(report, { name: "cpu", tuned: false, tried: [{ name: "cpu", ok: true }] });
  assert.equal(tf.getBackend(), "cpu");
});

test("prefer wasm registers the tuning layer; wasm-untuned removes it", async () => {
  const tuned = await selectBackend({ prefer: "wasm", quiet: true });
  assert.equal(tuned.name, "wasm");
  assert.equal(tuned.tuned, true);
  // The first wasm start in this process is threaded on a multi-core machine (threads/pthreads.ts).
  assert.equal(tuned.wasmThreads, os.availableParallelism() >= 2 && process.env.TSLAB_LIGHTNING_WASM_THREADS !== "1" ? 2 : 1);
  assert.ok(tf.getKernel("Conv2DBackpropFilter", "wasm"));
  const shipped = await selectBackend({ prefer: "wasm-untuned", quiet: true });
  assert.deepEqual(shipped, { name: "wasm", tuned: false, tried: [{ name: "wasm-untuned", ok: true }], wasmThreads: tuned.wasmThreads });
  assert.equal(isWasmTuningRegistered(), false);
  assert.equal(tf.getKernel("Conv2DBackpropFilter", "wasm"), undefined);
});

test("a preferred backend that cannot load is recorded and the automatic order continues", async () => {
  const report = await selectBackend({ prefer: "tensorflow", quiet: true });
  assert.equal(report.tried[0].name, "tensorflow");
  assert.equal(report.tried[0].ok, false);
  assert.match(report.tried[0].reason ?? "", /@tensorflow\/tfjs-node/);
  assert.equal(report.tried[report.tried.length - 1].ok, true);
  assert.ok(!report.tried.slice(1).some((t) => t.name === "tensorflow"), "the failed preference is not retried");
  assert.equal(tf.getBackend(), report.name);
});

test("an unknown backend name is rejected with the source, the value and the choices", async () => {
  await assert.rejects(selectBackend({ prefer: "gpu", quiet: true }), /selectBackend\(\{ prefer \}\): unknown backend 'gpu'; use one of .*wasm-untuned/);
  process.env[BACKEND_ENV_VAR] = "tpu";
  try {
    await assert.rejects(selectBackend({ quiet: true }), new RegExp(`${BACKEND_ENV_VAR}: unknown backend 'tpu'`));
  } finally {
    delete process.env[BACKEND_ENV_VAR];
  }
});

test("tf.setBackend returning false is detected and explained", async () => {
  tf.registerBackend("broken-for-test", async () => {
    throw new Error("binary missing");
  });
  const origWarn = console.warn;
  console.warn = () => {}; // tfjs logs the factory error itself
  try {
    await assert.rejects(activateBackend("broken-for-test"), /tf\.setBackend\('broken-for-test'\) returned false/);
  } finally {
    console.warn = origWarn;
    tf.removeBackend("broken-for-test");
  }
});

test("ensureBackend selects once (honouring the env var) and returns the same report", async () => {
  process.env[BACKEND_ENV_VAR] = "cpu";
  const log = console.log;
  const lines: string[] = [];
  console.log = (line: string) => lines.push(line);
  try {
    const first = await ensureBackend();
    const second = await ensureBackend();
    assert.equal(first, second);
    assert.equal(first.name, "cpu");
    assert.deepEqual(lines, ["tfjs backend: cpu"]);
  } finally {
    console.log = log;
    delete process.env[BACKEND_ENV_VAR];
  }
});

test("describeBackend is one line naming the winner and each skipped candidate's reason", () => {
  const line = describeBackend({
    name: "wasm",
    tuned: true,
    tried: [
      { name: "tensorflow-gpu", ok: false, reason: "@tensorflow/tfjs-node-gpu is not installed" },
      { name: "webgpu", ok: false, reason: "only a software adapter is available" },
      { name: "wasm", ok: true },
    ],
  });
  assert.equal(
    line,
    "tfjs backend: wasm (tuned) — skipped tensorflow-gpu: @tensorflow/tfjs-node-gpu is not installed; webgpu: only a software adapter is available",
  );
  assert.equal(
    describeBackend({ name: "webgpu", tuned: false, tried: [{ name: "webgpu", ok: true }], adapter: { vendor: "nvidia", architecture: "ampere" } }),
    "tfjs backend: webgpu (nvidia ampere)",
  );
  assert.equal(
    describeBackend({ name: "wasm", tuned: true, tried: [{ name: "wasm", ok: true }], wasmThreads: 2 }),
    "tfjs backend: wasm (tuned, 2 threads)",
  );
});
