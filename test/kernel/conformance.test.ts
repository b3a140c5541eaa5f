/** Debian's jupyter_kernel_test (0.4.5) suite, run with pytest against the kernel installed in a temp JUPYTER_PATH. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type JupyterEnv, KERNEL_NAME, makeJupyterEnv, PROJECT_ROOT, PYTHON, SOURCE_DIR } from "./kernel-harness";

describe("jupyter_kernel_test", () => {
  let jupyter: JupyterEnv;
  before(() => (jupyter = makeJupyterEnv()));
  after(() => jupyter.cleanup());

  it("passes every test that applies (history, pager, clear_output skipped: tslab has none)", () => {
    const run = spawnSync(
      PYTHON,
      ["-m", "pytest", "-v", "-p", "no:cacheprovider", "-rs", join(SOURCE_DIR, "test_kernel_conformance.py")],
      {
        // The kernel starts in pytest's cwd; the notebooks dir is inside the project.
        cwd: join(PROJECT_ROOT, "notebooks"),
        env: { ...jupyter.env, TSLAB_LIGHTNING_KERNEL: KERNEL_NAME },
        encoding: "utf8",
      },
    );
    const report = run.stdout + run.stderr;
    assert.equal(run.status, 0, report);
    for (const name of [
      "kernel_info",
      "execute_stdout",
      "execute_stderr",
      "completion",
      "is_complete",
      "error",
      "execute_result",
      "display_data",
      "inspect",
    ]) {
      assert.match(report, new RegExp(`::test_${name} PASSED`), `test_${name} passed`);
    }
    for (const name of ["history", "pager", "clear_output"]) {
      assert.match(report, new RegExp(`::test_${name} SKIPPED`), `test_${name} skipped`);
    }
  });
});
