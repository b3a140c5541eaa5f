/** `tslab-lightning run-notebooks` (npm run notebooks): executes notebooks headless with nbconvert on our kernel. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "./kernel-harness";

test("run-notebooks --quick executes a notebook top to bottom and saves its outputs", { timeout: 600_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), "tsl-run-nb-"));
  const nb = join(PROJECT_ROOT, "notebooks", "01-manual-optimization.ipynb");
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, "bin", "tslab-lightning.js"), "run-notebooks", "--quick", "--output-dir", out, nb], {
    cwd: PROJECT_ROOT, encoding: "utf8", maxBuffer: 64 << 20,
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr.slice(-3000)}`);
  assert.match(r.stdout, /✔ 01-manual-optimization\.ipynb in \d+ s/);
  const executed = JSON.parse(readFileSync(join(out, "01-manual-optimization.ipynb"), "utf8"));
  const code = executed.cells.filter((c: any) => c.cell_type === "code");
  assert.ok(code.every((c: any) => typeof c.execution_count === "number"), "every code cell ran");
  const outputs = code.flatMap((c: any) => c.outputs);
  assert.ok(outputs.length > 0);
  assert.equal(outputs.filter((o: any) => o.output_type === "error").length, 0, "no cell failed");
});
