/**
 * `tslab-lightning run-notebooks [--quick] [--output-dir DIR] [NOTEBOOK ...]` (what `npm run notebooks` runs): executes
 * the notebooks top to bottom without a browser, on our kernel registered in `.jupyter-local/`, with Debian's
 * `jupyter-nbconvert`, and writes the executed copies (outputs and final charts included) to `notebooks/executed/`.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import { projectRoot } from "../jupyter/project-root";
import { type ParsedArgs, stringOption } from "./args";
import { installKernelSpec } from "./install";
import { DEFAULT_KERNEL_NAME } from "./kernelspec";

export const NBCONVERT_HINT =
  "jupyter-nbconvert was not found. On Debian: sudo apt-get install jupyter-nbconvert jupyter-client python3-nbclient";

function findOnPath(exe: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter(Boolean)) {
    const candidate = join(dir, exe);
    if (spawnSync(candidate, ["--version"], { encoding: "utf8", timeout: 30_000 }).status === 0) return candidate;
  }
  return undefined;
}

export function runNotebooksCommand(args: ParsedArgs): number {
  const root = projectRoot();
  const local = join(root, ".jupyter-local");
  installKernelSpec(DEFAULT_KERNEL_NAME, local);
  const nbconvert = findOnPath("jupyter-nbconvert");
  if (!nbconvert) {
    console.error(NBCONVERT_HINT);
    return 1;
  }
  const notebookDir = join(root, "notebooks");
  const requested = args.positionals.slice(1).map((p) => resolve(p));
  const notebooks = requested.length > 0
    ? requested
    : readdirSync(notebookDir).filter((f) => f.endsWith(".ipynb")).sort().map((f) => join(notebookDir, f));
  const outDir = resolve(stringOption(args, "output-dir") ?? join(notebookDir, "executed"));
  mkdirSync(outDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: [join(local, "share", "jupyter"), process.env.JUPYTER_PATH].filter(Boolean).join(delimiter),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
  if (args.options.has("quick")) env.TSLAB_LIGHTNING_QUICK = "1";
  let failed = 0;
  for (const nb of notebooks) {
    const started = Date.now();
    console.log(`▶ ${basename(nb)} …`);
    const r = spawnSync(nbconvert, [
      "--to", "notebook", "--execute", `--ExecutePreprocessor.kernel_name=${DEFAULT_KERNEL_NAME}`,
      "--ExecutePreprocessor.timeout=3600", "--output-dir", outDir, nb,
    ], { cwd: dirname(nb), env, stdio: ["ignore", "inherit", "inherit"] });
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    if (r.status === 0) console.log(`✔ ${basename(nb)} in ${seconds} s → ${join(outDir, basename(nb))}`);
    else {
      failed++;
      console.log(`✖ ${basename(nb)} failed after ${seconds} s (exit ${r.status ?? r.signal})`);
    }
  }
  return failed ? 1 : 0;
}
