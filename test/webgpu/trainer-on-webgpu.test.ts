/**
 * Issue 8: the trainer's conformance suite, the README GAN and a DCGAN run on the webgpu backend over Mesa lavapipe
 * (software Vulkan), in a child process whose environment points Dawn at the unpacked driver. Results are compared
 * against the same assertions the cpu run makes (the suites' own tolerances).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { findLavapipeDir, lavapipeEnv, SKIP_VAR } from "./lavapipe-env";

const dist = path.join(__dirname, "..");
const files = [
  ...readdirSync(path.join(dist, "conformance")).filter((f) => f.endsWith(".test.js")).map((f) => path.join(dist, "conformance", f)),
  path.join(dist, "unit", "gan-example.test.js"),
  path.join(dist, "unit", "dcgan-trainer.test.js"),
];

test("conformance suite + GAN + DCGAN through the Trainer on webgpu (lavapipe)", { timeout: 40 * 60_000 }, (t) => {
  const found = findLavapipeDir();
  if (!found.dir) {
    if (process.env[SKIP_VAR] === "1") return t.skip(`SKIPPED ON PURPOSE (${SKIP_VAR}=1): ${found.problem}`);
    assert.fail(found.problem);
  }
  const env: NodeJS.ProcessEnv = { ...lavapipeEnv(found.dir), TSLAB_LIGHTNING_TEST_BACKEND: "webgpu" };
  delete env.NODE_TEST_CONTEXT; // the child is a test runner of its own, not a subprocess of ours
  const r = spawnSync(process.execPath, ["--test", "--test-reporter=tap", ...files], { env, encoding: "utf8", maxBuffer: 64 << 20 });
  const out = `${r.stdout}\n${r.stderr}`;
  const summary = (k: string) => Number(out.match(new RegExp(`^# ${k} (\\d+)$`, "m"))?.[1]);
  const failures = out.split("\n").filter((l) => /^\s*not ok/.test(l)).join("\n");
  assert.equal(r.status, 0, `webgpu run failed:\n${failures}\n${out.slice(-4000)}`);
  assert.ok(summary("pass") >= 95, `expected the whole suite to run on webgpu, got ${summary("pass")} passing`);
  assert.equal(summary("fail"), 0);
});
