/**
 * `tslab-lightning start` (what `npm start` runs): registers the kernel in the project-local Jupyter dir
 * `.jupyter-local/` and serves `notebooks/` with the installed Jupyter on 127.0.0.1, printing the URL.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { get } from "node:http";
import { delimiter, join } from "node:path";
import { projectRoot } from "../jupyter/project-root";
import { type ParsedArgs, stringOption } from "./args";
import { findJupyter, INSTALL_HINT } from "./find-jupyter";
import { freePort } from "./free-port";
import { installKernelSpec } from "./install";
import { DEFAULT_KERNEL_NAME } from "./kernelspec";

const DEFAULT_PORT = 8888;
const READY_TIMEOUT_MS = 120_000;

export async function startCommand(args: ParsedArgs): Promise<number> {
  const root = projectRoot();
  const local = join(root, ".jupyter-local");
  const kernelDir = installKernelSpec(DEFAULT_KERNEL_NAME, local);

  const jupyter = findJupyter();
  if (!jupyter) {
    console.error(INSTALL_HINT);
    return 1;
  }
  const notebooks = stringOption(args, "notebook-dir") ?? join(root, "notebooks");
  mkdirSync(notebooks, { recursive: true });
  const port = Number(stringOption(args, "port") ?? (await freePort(DEFAULT_PORT)));
  const token = stringOption(args, "token") ?? randomBytes(24).toString("hex");
  const env = {
    ...process.env,
    // Searched for kernels/ before the user's and system dirs, without hiding them.
    JUPYTER_PATH: [join(local, "share", "jupyter"), process.env.JUPYTER_PATH].filter(Boolean).join(delimiter),
    JUPYTER_TOKEN: token,
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
  const serverArgs = ["--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0", `--notebook-dir=${notebooks}`];
  if (process.getuid?.() === 0) serverArgs.push("--allow-root");

  console.log(`Kernel "${DEFAULT_KERNEL_NAME}" registered in ${kernelDir}`);
  console.log(`Starting ${jupyter.command} (${jupyter.version}) on ${notebooks} …`);
  const child = spawn(jupyter.command, serverArgs, { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
  const stop = () => child.kill("SIGTERM"); // the notebook server ignores a lone SIGINT without a TTY
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const exited = new Promise<number>((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 0 : 1))));

  const ready = await Promise.race([waitUntilServing(port, token), exited.then(() => false)]);
  if (ready) console.log(`\nJupyter is ready: http://127.0.0.1:${port}/?token=${token}\n`);
  return exited;
}

/** Polls /api/status until the server answers (or the timeout passes). */
async function waitUntilServing(port: number, token: string): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if ((await httpStatus(`http://127.0.0.1:${port}/api/status?token=${token}`)) === 200) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
    req.setTimeout(2000, () => req.destroy());
  });
}
