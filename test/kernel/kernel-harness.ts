/**
 * Shared by the kernel tests: a throwaway Jupyter environment (data/runtime/config dirs and the kernelspec installed
 * by our own CLI into a temp prefix on JUPYTER_PATH), and a real jupyter_client session driven by run_cells.py.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const PROJECT_ROOT = resolve(__dirname, "..", "..", "..");
export const SOURCE_DIR = join(PROJECT_ROOT, "test", "kernel");
export const BIN = join(PROJECT_ROOT, "bin", "tslab-lightning.js");
/** Debian's python, which sees the apt-installed jupyter_client (python3 on PATH may be a pyenv shim). */
export const PYTHON = "/usr/bin/python3";
/** The kernelspec name the tests install and use (the same name `install` and `start` use by default). */
export const KERNEL_NAME = "tslab-lightning";

export interface JupyterEnv {
  dir: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

export function makeJupyterEnv(): JupyterEnv {
  const dir = mkdtempSync(join(tmpdir(), "tslab-lightning-kernel-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: join(dir, "share", "jupyter"),
    JUPYTER_DATA_DIR: join(dir, "data"),
    JUPYTER_RUNTIME_DIR: join(dir, "runtime"),
    JUPYTER_CONFIG_DIR: join(dir, "config"),
    IPYTHONDIR: join(dir, "ipython"),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
  for (const key of ["JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_CONFIG_DIR"] as const) {
    mkdirSync(env[key]!, { recursive: true });
  }
  const install = spawnSync(process.execPath, [BIN, "install", "--prefix", dir], { env, encoding: "utf8" });
  if (install.status !== 0) throw new Error(`install failed: ${install.stderr}`);
  return { dir, env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export type Request =
  | { type: "execute"; code: string; interrupt_on?: string; timeout?: number; stop_on_error?: boolean }
  | { type: "kernel_info" | "comm_info" }
  | { type: "is_complete" | "complete"; code: string };

export interface Message {
  msg_type: string;
  content: Record<string, any>;
  /** Set when the message's parent is not the request it was recorded under. */
  foreign?: boolean;
}

export interface RequestResult {
  reply: Record<string, any> | null;
  reply_type: string | null;
  messages: Message[];
  timed_out: boolean;
}

export interface Session {
  results: RequestResult[];
  alive_at_end: boolean;
}

/** Starts a kernel in `cwd`, sends the requests in order, shuts it down, and returns what arrived. */
export function runSession(jupyter: JupyterEnv, cwd: string, requests: Request[], extra: object = {}): Session & { stdout: string } {
  const resultFile = join(jupyter.dir, `session-${Date.now()}.json`);
  const run = spawnSync(PYTHON, [join(SOURCE_DIR, "run_cells.py"), resultFile], {
    cwd,
    env: jupyter.env,
    input: JSON.stringify({ kernel_name: KERNEL_NAME, cwd, requests, ...extra }),
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`run_cells.py exited ${run.status}: ${run.stderr}`);
  return { ...(JSON.parse(readFileSync(resultFile, "utf8")) as Session), stdout: run.stdout };
}

/** The messages a request produced, without status / execute_input bookkeeping. */
export function outputs(result: RequestResult): Message[] {
  return result.messages.filter((m) => !m.foreign && m.msg_type !== "status" && m.msg_type !== "execute_input");
}

export function stdoutText(result: RequestResult): string {
  return outputs(result)
    .filter((m) => m.msg_type === "stream" && m.content.name === "stdout")
    .map((m) => m.content.text)
    .join("");
}
