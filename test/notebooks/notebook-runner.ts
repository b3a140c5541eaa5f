/**
 * Runs a notebook of notebooks/ top to bottom under Debian's nbclient with our kernel, in a throwaway Jupyter
 * environment (the kernel tests' harness: temp JUPYTER_PATH with our kernelspec, cwd inside the project).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KERNEL_NAME, PROJECT_ROOT, PYTHON, makeJupyterEnv } from "../kernel/kernel-harness";

export const NOTEBOOK_DIR = join(PROJECT_ROOT, "notebooks");
const RUNNER = join(PROJECT_ROOT, "test", "notebooks", "run_notebook.py");
/** The cell the GAN tests append to 02-gan-mnist: exports 100 samples of the first run's generator. */
export const EXPORT_GAN_SAMPLES = join(PROJECT_ROOT, "test", "notebooks", "export-gan-samples.ts.txt");

export interface NotebookRun {
  ok: boolean;
  error: string | null;
  seconds: number;
  /** The executed notebook (JSON text) and its path. */
  path: string;
  text: string;
  nb: { cells: { cell_type: string; source: string | string[]; outputs?: any[] }[] };
}

export function runNotebook(name: string, opts: { quick?: boolean; extraCell?: string; env?: Record<string, string>; cellTimeout?: number } = {}): NotebookRun {
  const jupyter = makeJupyterEnv();
  try {
    const work = mkdtempSync(join(tmpdir(), "tslab-lightning-nb-"));
    const out = join(work, name);
    const args = [RUNNER, join(NOTEBOOK_DIR, name), out, KERNEL_NAME, NOTEBOOK_DIR, String(opts.cellTimeout ?? 600)];
    if (opts.extraCell) args.push(opts.extraCell);
    const env: NodeJS.ProcessEnv = { ...jupyter.env, ...opts.env };
    if (opts.quick !== false) env.TSLAB_LIGHTNING_QUICK = "1";
    else delete env.TSLAB_LIGHTNING_QUICK;
    const r = spawnSync(PYTHON, args, { cwd: NOTEBOOK_DIR, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const line = r.stdout.trim().split("\n").pop() ?? "";
    let status: { ok: boolean; error: string | null; seconds: number };
    try {
      status = JSON.parse(line);
    } catch {
      throw new Error(`run_notebook.py failed (exit ${r.status}): ${r.stderr.slice(-3000)}`);
    }
    const text = readFileSync(out, "utf8");
    return { ...status, path: out, text, nb: JSON.parse(text) };
  } finally {
    jupyter.cleanup();
  }
}

export function cellSource(cell: { source: string | string[] }): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** Every output of every code cell, with the index of its cell. */
export function allOutputs(run: NotebookRun): { cell: number; output: any }[] {
  return run.nb.cells.flatMap((c, cell) => (c.outputs ?? []).map((output) => ({ cell, output })));
}

/** stdout text of all cells. */
export function stdoutOf(run: NotebookRun): string {
  return allOutputs(run)
    .filter(({ output }) => output.output_type === "stream" && output.name === "stdout")
    .map(({ output }) => (Array.isArray(output.text) ? output.text.join("") : output.text))
    .join("");
}
