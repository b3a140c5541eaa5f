/**
 * nbclient (what `jupyter nbconvert --execute` and CI use) runs a notebook built here with a training cell; the saved
 * .ipynb keeps, for the chart, one output holding the final frame: PNG + plotly JSON + text/plain, under 256 KB.
 * (nbclient rewrites the output in place for each update_display_data; what it saves is the last one.)
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import { KERNEL_NAME, type JupyterEnv, makeJupyterEnv, OUTPUT_DIR, PROJECT_ROOT, PYTHON, SETUP_CELL, trainCell } from "./live-cells";

const RUNNER = join(PROJECT_ROOT, "test", "notebooks", "run_notebook.py");
const LIMIT = 256 * 1024;

function notebook(cells: string[]) {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: KERNEL_NAME, display_name: "TypeScript (tslab-lightning)", language: "typescript" },
      language_info: { name: "typescript" },
    },
    cells: cells.map((source, i) => ({ cell_type: "code", id: `cell-${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  };
}

describe("a notebook executed by nbclient keeps the final chart frame", () => {
  let jupyter: JupyterEnv;
  let saved: any;
  let run: { ok: boolean; error: string | null; seconds: number };
  const out = join(OUTPUT_DIR, "live-chart-nbclient.ipynb");

  before(() => {
    jupyter = makeJupyterEnv();
    mkdirSync(OUTPUT_DIR, { recursive: true });
    const src = join(jupyter.dir, "live-chart.ipynb");
    writeFileSync(src, JSON.stringify(notebook([SETUP_CELL, trainCell(4000), `console.log("after the fit");`])));
    const r = spawnSync(PYTHON, [RUNNER, src, out, KERNEL_NAME, join(PROJECT_ROOT, "notebooks"), "180"], {
      cwd: PROJECT_ROOT, env: jupyter.env, encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`run_notebook.py exited ${r.status}: ${r.stderr}`);
    run = JSON.parse(r.stdout.trim().split("\n").pop()!);
    saved = JSON.parse(readFileSync(out, "utf8"));
  });
  after(() => jupyter?.cleanup());

  it("executes every cell", () => {
    assert.equal(run.ok, true, run.error ?? "");
    assert.deepEqual(saved.cells.map((c: any) => c.execution_count), [1, 2, 3]);
  });

  it("saves one chart output with PNG + plotly JSON + text/plain, under 256 KB", () => {
    const outputs: any[] = saved.cells[1].outputs;
    const charts = outputs.filter((o) => o.output_type === "display_data");
    assert.equal(charts.length, 1, `display outputs: ${JSON.stringify(outputs.map((o) => o.output_type))}`);
    const chart = charts[0];
    assert.deepEqual(Object.keys(chart.data).sort(), ["application/vnd.plotly.v1+json", "image/png", "text/plain"]);
    const png = Buffer.from(chart.data["image/png"], "base64");
    assert.equal(png.subarray(1, 4).toString("latin1"), "PNG");
    const figure = chart.data["application/vnd.plotly.v1+json"];
    assert.ok(Array.isArray(figure.data) && figure.data.length > 0, "plotly traces");
    assert.ok(figure.data.some((t: any) => t.name?.includes("loss") && t.x.length > 10), "a loss trace with points");
    const text = Array.isArray(chart.data["text/plain"]) ? chart.data["text/plain"].join("") : chart.data["text/plain"];
    assert.match(text, /^finished · \d+ epochs? · \d+ steps/);
    assert.equal(chart.transient, undefined, "transient display_id is not persisted");
    const bytes = Buffer.byteLength(JSON.stringify(chart));
    const sizes = {
      output: bytes,
      png: png.length,
      pngBase64: chart.data["image/png"].length,
      plotly: JSON.stringify(figure).length,
      text: text.length,
      notebookFile: statSync(out).size,
    };
    console.log(`saved chart output (bytes): ${JSON.stringify(sizes)}; nbclient ran ${run.seconds} s; ${text.split("\n")[0]}`);
    assert.ok(bytes < LIMIT, `chart output ${bytes} bytes`);
  });

  it("keeps the later cell's output in that cell only", () => {
    const last = saved.cells[2].outputs;
    assert.deepEqual(last.map((o: any) => o.output_type), ["stream"]);
    assert.equal([].concat(last[0].text).join(""), "after the fit\n");
  });
});
