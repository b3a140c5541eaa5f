// WebGPU backend tests on real Dawn + real Mesa lavapipe (software Vulkan). Each scenario runs in a child node
// process (child.ts) because Dawn's setup is process-global and LD_LIBRARY_PATH only counts at process start.
// Needs TSLAB_LIGHTNING_LAVAPIPE_DIR (from .ci/install-lavapipe.sh); fails without it unless
// TSLAB_LIGHTNING_SKIP_WEBGPU=1.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { dawnWarningsToLine, firstLine } from "../../kernel/backend/webgpu/diagnose";
import { isSoftwareAdapter, prepareWebgpuEnv, SYNC_READ_ERROR_MESSAGE } from "../../kernel/backend/webgpu";
import { findLavapipeDir, lavapipeEnv, SKIP_VAR } from "./lavapipe-env";

const CHILD = path.join(__dirname, "child.js");
const TOLERANCE = 1e-4;
const CHILD_TIMEOUT_MS = 540_000; // a cold Mesa shader cache compiles every pipeline (seconds each on 2 cores)

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A relative error from the child (NaN arrives as null through JSON, so check it is a finite number). */
function assertWithin(err: unknown, label: string): void {
  assert.ok(typeof err === "number" && Number.isFinite(err) && err <= TOLERANCE, `${label}: relative error ${err} > ${TOLERANCE}`);
}

function runChild(task: string, env: NodeJS.ProcessEnv): Promise<Json> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, task], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = out.split("\n").reverse().find((l) => l.startsWith("RESULT "));
      if (!line) {
        reject(new Error(`child ${task} exited ${code ?? signal} without a RESULT line; stderr:\n${err.slice(-3000)}`));
        return;
      }
      const result = JSON.parse(line.slice("RESULT ".length)) as Json;
      if (result.error) reject(new Error(`child ${task} failed:\n${result.error}\nstderr:\n${err.slice(-3000)}`));
      else resolve(result);
    });
  });
}

// ---- always run: pure helpers, on the real strings Dawn prints ---------------------------------------------

test("dawnWarningsToLine keeps Dawn's reason on one line and drops harmless start-up notes", () => {
  const rejected = [
    "error: XDG_RUNTIME_DIR is invalid or not set in the environment.",
    "Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.",
    " - While initializing adapter (backend=BackendType::Vulkan)",
    "    at InitializeImpl (/x/third_party/dawn/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:257)",
    "",
  ].join("\n");
  assert.equal(dawnWarningsToLine(rejected), "Vulkan shaderUniform*ArrayDynamicIndexing required.");
  const noLoader = "Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory\n";
  assert.equal(dawnWarningsToLine(noLoader), "Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory");
  const healthy = "Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n";
  assert.equal(dawnWarningsToLine(healthy), undefined);
  assert.equal(
    firstLine(new Error("/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /p/dawn.node)\nmore")),
    "/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /p/dawn.node)",
  );
});

test("isSoftwareAdapter recognises lavapipe, SwiftShader and Dawn's fallback flag, not a hardware GPU", () => {
  assert.equal(isSoftwareAdapter({ vendor: "mesa", architecture: "software", description: "llvmpipe: Mesa 25.0.7", isFallbackAdapter: true }), true);
  assert.equal(isSoftwareAdapter({ vendor: "mesa", architecture: "", description: "llvmpipe (LLVM 15.0.6, 256 bits)" }), true);
  assert.equal(isSoftwareAdapter({ vendor: "google", architecture: "swiftshader", description: "SwiftShader Device" }), true);
  assert.equal(isSoftwareAdapter({ vendor: "x", architecture: "", isFallbackAdapter: true }), true);
  assert.equal(isSoftwareAdapter({ vendor: "nvidia", architecture: "ampere", description: "NVIDIA GeForce RTX 3060" }), false);
  assert.equal(isSoftwareAdapter({ vendor: "mesa", architecture: "rdna-2", description: "AMD Radeon RX 6800 (RADV NAVI21)" }), false);
});

test("prepareWebgpuEnv fills XDG_RUNTIME_DIR and MESA_SHADER_CACHE_DIR outside node_modules, keeps set values", () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "tsl-webgpu-env-"));
  try {
    const env: NodeJS.ProcessEnv = { XDG_CACHE_HOME: path.join(home, "cache") };
    const got = prepareWebgpuEnv(env);
    assert.equal(env.XDG_RUNTIME_DIR, got.XDG_RUNTIME_DIR);
    assert.ok(fs.statSync(got.XDG_RUNTIME_DIR).isDirectory());
    assert.equal(got.MESA_SHADER_CACHE_DIR, path.join(home, "cache", "tslab-lightning", "mesa_shader_cache"));
    assert.ok(fs.statSync(got.MESA_SHADER_CACHE_DIR).isDirectory());
    assert.ok(!got.MESA_SHADER_CACHE_DIR.includes("node_modules"));
    const preset: NodeJS.ProcessEnv = { XDG_RUNTIME_DIR: "/run/x", MESA_SHADER_CACHE_DIR: "/c" };
    assert.deepEqual(prepareWebgpuEnv(preset), { XDG_RUNTIME_DIR: "/run/x", MESA_SHADER_CACHE_DIR: "/c" });
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});

// ---- real Dawn + lavapipe -----------------------------------------------------------------------------------

const lookup = findLavapipeDir();
if (!lookup.dir) {
  if (process.env[SKIP_VAR] === "1") {
    const reason = `${SKIP_VAR}=1: SKIPPING the webgpu backend tests (Dawn + lavapipe). ${lookup.problem}`;
    console.error(`\n${"!".repeat(100)}\n!! ${reason}\n${"!".repeat(100)}\n`);
    test("webgpu backend on Dawn + lavapipe", { skip: reason }, () => {});
  } else {
    test("webgpu backend on Dawn + lavapipe: lavapipe must be set up", () => {
      assert.fail(lookup.problem);
    });
  }
} else {
  const env = lavapipeEnv(lookup.dir);
  const opts = { timeout: CHILD_TIMEOUT_MS + 30_000 };

  test(".ci/install-lavapipe.sh on a complete DIR downloads nothing and prints the exports", () => {
    const script = path.join(__dirname, "..", "..", "..", ".ci", "install-lavapipe.sh");
    const r = spawnSync("bash", [script, lookup.dir!], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /apt-get|downloading/);
    const exports = r.stdout.trim().split("\n");
    for (const name of ["VK_DRIVER_FILES", "VK_ICD_FILENAMES", "LD_LIBRARY_PATH", "TSLAB_LIGHTNING_LAVAPIPE_DIR"]) {
      assert.ok(exports.some((l) => l.startsWith(`export ${name}=`)), `${name} missing from:\n${r.stdout}`);
    }
    assert.equal(fs.readFileSync(path.join(lookup.dir!, "env.sh"), "utf8").trim(), r.stdout.trim());
    const icd = JSON.parse(fs.readFileSync(path.join(lookup.dir!, "lvp_icd.json"), "utf8"));
    assert.ok(path.isAbsolute(icd.ICD.library_path) && fs.existsSync(icd.ICD.library_path), icd.ICD.library_path);
    assert.match(fs.readFileSync(path.join(lookup.dir!, "mesa-version"), "utf8"), /^(\d+:)?(2[5-9]|[3-9]\d)\./);
  });

  test("software adapter: refused without allowSoftware, accepted with it", opts, async () => {
    const r = await runChild("adapter", env);
    assert.equal(r.refused.ok, false);
    assert.match(r.refused.reason, /software adapter/);
    assert.match(r.refused.reason, /llvmpipe/);
    assert.equal(r.refused.reason.includes("\n"), false);
    assert.equal(r.backendAfterRefusal, null, "a refused adapter must not leave a tfjs backend set");
    assert.deepEqual(r.globalsAfterRefusal, { navigatorGpu: false, GPUBufferUsage: false }, "refusal takes Dawn's globals back");
    assert.deepEqual(r.globalsAfterAccept, { navigatorGpu: true, GPUBufferUsage: true });
    assert.equal(r.accepted.ok, true, JSON.stringify(r.accepted));
    const a = r.accepted.adapter;
    assert.equal(a.architecture, "software");
    assert.equal(a.isFallbackAdapter, true);
    assert.equal(a.software, true);
    assert.match(a.name, /llvmpipe: Mesa (2[5-9]|[3-9]\d)\./);
    assert.ok(a.limits.maxStorageBufferBindingSize >= 128 * 2 ** 20);
    assert.equal(r.backend, "webgpu");
  });

  test("no Vulkan driver: ok:false with Dawn's own warning, on one line", opts, async () => {
    const r = await runChild("init-only", { ...env, VK_DRIVER_FILES: "/nonexistent/icd.json", VK_ICD_FILENAMES: "/nonexistent/icd.json" });
    assert.equal(r.result.ok, false);
    assert.equal(r.result.reason.includes("\n"), false);
    assert.match(r.result.reason, /^webgpu: Dawn found no usable adapter: .*(Found no drivers|Couldn't load Vulkan)/);
  });

  const systemIcd = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";
  const systemMesa = spawnSync("dpkg-query", ["-W", "-f=${Version}", "mesa-vulkan-drivers"], { encoding: "utf8" }).stdout ?? "";
  const oldSystemMesa = fs.existsSync(systemIcd) && /^(\d+:)?(1\d|2[0-4])\./.test(systemMesa);
  test(
    "Debian 12's own lavapipe (Mesa < 25) is rejected with Dawn's reason",
    { ...opts, skip: oldSystemMesa ? false : `system lavapipe is not Mesa < 25 (${systemMesa || "not installed"})` },
    async () => {
      const { LD_LIBRARY_PATH: _drop, ...rest } = env;
      const r = await runChild("init-only", { ...rest, VK_DRIVER_FILES: systemIcd, VK_ICD_FILENAMES: systemIcd });
      assert.equal(r.result.ok, false);
      assert.match(r.result.reason, /ArrayDynamicIndexing required/);
    },
  );

  test("matmul, MLP Adam steps and conv2d/conv2dTranspose gradients match the cpu backend within 1e-4", opts, async () => {
    const r = await runChild("numerics", env);
    assert.equal(r.init.ok, true, JSON.stringify(r.init));
    assertWithin(r.matmul, "matmul");
    assertWithin(r.mlp.lossRelErr, `MLP losses ${r.mlp.lossesWebgpu} vs cpu ${r.mlp.lossesCpu}`);
    assert.ok(r.mlp.lossesCpu[4] < r.mlp.lossesCpu[0], "the MLP must actually train");
    assert.equal(r.mlp.weightRelErr.length, 6);
    r.mlp.weightRelErr.forEach((e: number, i: number) => assertWithin(e, `MLP weight ${i}`));
    assert.equal(new Set(r.mlp.numTensorsWebgpu).size, 1, `tensor count must be stable: ${r.mlp.numTensorsWebgpu}`);
    assertWithin(r.conv.lossRelErr, `conv loss ${r.conv.lossWebgpu} vs ${r.conv.lossCpu}`);
    assert.deepEqual(r.conv.gradNonZero, [true, true, true, true]);
    assert.equal(r.conv.gradRelErr.length, 4);
    r.conv.gradRelErr.forEach((e: number, i: number) => assertWithin(e, `conv grad ${i}`));
    r.conv.updatedRelErr.forEach((e: number, i: number) => assertWithin(e, `conv Adam update ${i}`));
  });

  test("dataSync()/arraySync()/print() of a GPU tensor throw the error that names the async reads", opts, async () => {
    const r = await runChild("syncread", env);
    assert.equal(r.init.ok, true, JSON.stringify(r.init));
    for (const name of ["dataSync", "arraySync", "print"]) {
      assert.deepEqual(r.errors[name], { name: "WebgpuSyncReadError", message: SYNC_READ_ERROR_MESSAGE }, name);
    }
    assert.match(SYNC_READ_ERROR_MESSAGE, /await t\.data\(\) \/ await t\.array\(\)/);
    assertWithin(r.asyncRelErr, "await t.data()");
    assertWithin(r.dataSyncAfterAsyncRelErr, "dataSync() after await t.data()");
  });
}
