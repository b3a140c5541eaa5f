/** `tslab-lightning install` (kernelspec content and location) and `tslab-lightning start` (with and without Jupyter). */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BIN, type JupyterEnv, makeJupyterEnv } from "./kernel-harness";

function cli(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [BIN, ...args], { env, encoding: "utf8" });
}

function readSpec(dir: string) {
  return JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8"));
}

describe("tslab-lightning install", () => {
  let jupyter: JupyterEnv;
  before(() => (jupyter = makeJupyterEnv()));
  after(() => jupyter.cleanup());

  it("writes the kernelspec under --prefix DIR/share/jupyter/kernels/NAME with absolute paths", () => {
    const spec = readSpec(join(jupyter.dir, "share", "jupyter", "kernels", "tslab-lightning"));
    assert.deepEqual(spec, {
      argv: [process.execPath, BIN, "kernel", "--config-path", "{connection_file}"],
      display_name: "TypeScript (tslab-lightning)",
      language: "typescript",
      interrupt_mode: "signal",
      metadata: { debugger: false },
    });
  });

  it("is found by jupyter_client's `jupyter kernelspec list`", () => {
    const list = spawnSync("/usr/bin/jupyter", ["kernelspec", "list", "--json"], { env: jupyter.env, encoding: "utf8" });
    assert.equal(list.status, 0, list.stderr);
    const specs = JSON.parse(list.stdout).kernelspecs;
    assert.equal(specs["tslab-lightning"].resource_dir, join(jupyter.dir, "share", "jupyter", "kernels", "tslab-lightning"));
    assert.equal(specs["tslab-lightning"].spec.display_name, "TypeScript (tslab-lightning)");
  });

  it("defaults to $JUPYTER_DATA_DIR/kernels/NAME (also with --user) and honours --name", () => {
    const plain = cli(["install"], jupyter.env);
    assert.equal(plain.status, 0, plain.stderr);
    assert.ok(existsSync(join(jupyter.env.JUPYTER_DATA_DIR!, "kernels", "tslab-lightning", "kernel.json")));
    const named = cli(["install", "--user", "--name", "ts-lightning-2"], jupyter.env);
    assert.equal(named.status, 0, named.stderr);
    const spec = readSpec(join(jupyter.env.JUPYTER_DATA_DIR!, "kernels", "ts-lightning-2"));
    assert.equal(spec.display_name, "TypeScript (tslab-lightning)");
  });

  it("rejects --user together with --prefix, and unknown commands, with usage", () => {
    const both = cli(["install", "--user", "--prefix", jupyter.dir], jupyter.env);
    assert.equal(both.status, 2);
    assert.match(both.stderr, /--user and --prefix/);
    const unknown = cli(["frobnicate"], jupyter.env);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Usage:/);
  });
});

describe("tslab-lightning start", () => {
  let jupyter: JupyterEnv;
  let server: ChildProcess | undefined;
  before(() => (jupyter = makeJupyterEnv()));
  after(() => {
    if (server?.pid && server.exitCode === null) process.kill(-server.pid, "SIGKILL");
    jupyter.cleanup();
  });

  it("prints how to install Jupyter when none is on PATH", () => {
    const emptyBin = join(jupyter.dir, "empty-bin"); // node itself lives in /usr/bin, next to jupyter-notebook
    mkdirSync(emptyBin);
    const run = cli(["start"], { ...jupyter.env, PATH: emptyBin });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /apt-get install jupyter-notebook/);
  });

  it("serves notebooks/ on 127.0.0.1 with the kernel registered, prints the URL, stops on SIGTERM", { timeout: 180_000 }, async () => {
    server = spawn(process.execPath, [BIN, "start", "--port", "18931"], {
      env: jupyter.env,
      detached: true, // own process group, so the test can end the server and its children
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    server.stderr!.on("data", (d) => (output += d));
    const url = await new Promise<string>((resolve, reject) => {
      server!.stdout!.on("data", (d) => {
        output += d;
        const match = /Jupyter is ready: (http:\/\/127\.0\.0\.1:18931\/\?token=(\w+))/.exec(output);
        if (match) resolve(match[1]);
      });
      server!.on("exit", () => reject(new Error(`start exited early:\n${output}`)));
    });
    const token = new URL(url).searchParams.get("token");
    const specs = JSON.parse(await fetchText(`http://127.0.0.1:18931/api/kernelspecs?token=${token}`));
    assert.equal(specs.kernelspecs["tslab-lightning"].spec.display_name, "TypeScript (tslab-lightning)");
    assert.equal(specs.kernelspecs["tslab-lightning"].spec.interrupt_mode, "signal");

    const exited = new Promise((resolve) => server!.on("exit", resolve));
    process.kill(server.pid!, "SIGTERM");
    await exited;
  });
});

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${res.statusCode}: ${body}`))));
    }).on("error", reject);
  });
}
