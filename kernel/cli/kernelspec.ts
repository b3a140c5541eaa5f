/** The kernelspec (kernel.json) for this kernel: absolute paths, so it works without anything on PATH. */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export const DEFAULT_KERNEL_NAME = "tslab-lightning";
export const DISPLAY_NAME = "TypeScript (tslab-lightning)";

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: "typescript";
  interrupt_mode: "signal";
  metadata: { debugger: false };
}

/** `bin` is this package's bin/tslab-lightning.js. */
export function kernelSpec(bin: string, node = process.execPath): KernelSpec {
  return {
    argv: [node, resolve(bin), "kernel", "--config-path", "{connection_file}"],
    display_name: DISPLAY_NAME,
    language: "typescript",
    // tslab handles SIGINT, not interrupt_request on the control channel.
    interrupt_mode: "signal",
    metadata: { debugger: false },
  };
}

/** Jupyter's user data dir: $JUPYTER_DATA_DIR, else ~/.local/share/jupyter (Linux; macOS ~/Library/Jupyter). */
export function userDataDir(env = process.env): string {
  if (env.JUPYTER_DATA_DIR) return resolve(env.JUPYTER_DATA_DIR);
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (process.platform === "win32" && env.APPDATA) return join(env.APPDATA, "jupyter");
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "jupyter");
}

/** Where `install` writes: `--prefix DIR` → DIR/share/jupyter/kernels/NAME, otherwise the user data dir. */
export function kernelDir(name: string, prefix?: string, env = process.env): string {
  const base = prefix ? join(resolve(prefix), "share", "jupyter") : userDataDir(env);
  return join(base, "kernels", name);
}
