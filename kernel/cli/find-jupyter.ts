/** Finds an installed Jupyter server on PATH: Notebook (6 or 7), nbclassic or JupyterLab, in that order. */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export interface JupyterServer {
  /** Absolute path of the executable, e.g. /usr/bin/jupyter-notebook. */
  command: string;
  kind: "notebook" | "nbclassic" | "lab";
  version: string;
}

const CANDIDATES: { exe: string; kind: JupyterServer["kind"] }[] = [
  { exe: "jupyter-notebook", kind: "notebook" },
  { exe: "jupyter-nbclassic", kind: "nbclassic" },
  { exe: "jupyter-lab", kind: "lab" },
];

export function findJupyter(env = process.env): JupyterServer | undefined {
  const dirs = (env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const { exe, kind } of CANDIDATES) {
    for (const dir of dirs) {
      const command = join(dir, exe);
      if (!isExecutable(command)) continue;
      // A shim (pyenv, conda) may exist without a working Jupyter behind it: ask it for its version.
      const probe = spawnSync(command, ["--version"], { env, encoding: "utf8", timeout: 30_000 });
      if (probe.status === 0) return { command, kind, version: probe.stdout.trim().split("\n").pop() ?? "" };
    }
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const INSTALL_HINT = [
  "No Jupyter server was found on PATH (looked for jupyter-notebook, jupyter-nbclassic, jupyter-lab).",
  "Install one, then run `npm start` again:",
  "  Debian/Ubuntu:  sudo apt-get install jupyter-notebook jupyter-client",
  "  with pip:       python3 -m pip install --user notebook",
].join("\n");
