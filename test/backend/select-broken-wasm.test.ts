// A wasm backend whose binary cannot be found: tf.setBackend('wasm') resolves false (it does not
// throw); selection must notice, say so, and fall back.
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import assert from "node:assert/strict";
import { test } from "node:test";
import { selectBackend } from "../../kernel/backend/select";

test("wasm that fails to initialise falls back with the reason recorded", async () => {
  setWasmPaths("/nonexistent-wasm-dir/");
  const warn = console.warn;
  console.warn = () => {}; // tfjs logs the init failure itself
  try {
    const report = await selectBackend({ prefer: "wasm", quiet: true });
    assert.equal(report.tried[0].name, "wasm");
    assert.equal(report.tried[0].ok, false);
    assert.match(report.tried[0].reason ?? "", /tf\.setBackend\('wasm'\)/);
    assert.notEqual(report.name, "wasm");
    assert.equal(tf.getBackend(), report.name);
    const y = tf.add(tf.scalar(1), tf.scalar(2));
    assert.equal((await y.data())[0], 3);
  } finally {
    console.warn = warn;
  }
});
