/**
 * Every notebook runs top to bottom in our kernel under nbclient (quick setting), its saved outputs hold the final
 * charts as PNG, and it stays under 1 MB. The GAN's generator output is rated by a classifier of real digits.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBackend } from "../../kernel";
import { trainDigitRater } from "../../kernel/data";
import { EXPORT_GAN_SAMPLES, allOutputs, cellSource, runNotebook, stdoutOf, type NotebookRun } from "./notebook-runner";

const MB = 1024 * 1024;

function checkRun(run: NotebookRun): void {
  assert.ok(run.ok, `notebook failed: ${run.error}`);
  const errors = allOutputs(run).filter(({ output }) => output.output_type === "error");
  assert.deepEqual(errors, [], "no cell shows an error");
  const code = run.nb.cells.filter((c) => c.cell_type === "code" && cellSource(c).trim() !== "");
  assert.ok(code.every((c: any) => c.execution_count !== null), "every code cell ran");
  assert.ok(run.text.length < MB, `notebook is ${(run.text.length / MB).toFixed(2)} MB; must stay < 1 MB`);
}

/** Display outputs that are final live charts: a plotly figure with its PNG. */
function chartPngs(run: NotebookRun): string[] {
  return allOutputs(run)
    .filter(({ output }) => output.output_type === "display_data" && output.data?.["application/vnd.plotly.v1+json"] && output.data?.["image/png"])
    .map(({ output }) => [].concat(output.data["image/png"]).join(""));
}

test("the committed notebooks carry no outputs", () => {
  for (const name of ["01-manual-optimization.ipynb", "02-gan-mnist.ipynb", "03-callbacks-logging-checkpoints.ipynb"]) {
    const nb = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "notebooks", name), "utf8"));
    assert.equal(nb.metadata.kernelspec.language, "typescript");
    for (const c of nb.cells) if (c.cell_type === "code") assert.deepEqual(c.outputs, [], `${name} has outputs`);
  }
});

test("01-manual-optimization runs and shows each rule", { timeout: 600_000 }, () => {
  const run = runNotebook("01-manual-optimization.ipynb");
  checkRun(run);
  const out = stdoutOf(run);
  assert.match(out, /nothing +→ outputs = \{\}/);
  assert.match(out, /a tensor +→ outputs = \{loss: Tensor\[\] float32\}/);
  assert.match(out, /a dict without loss +→ outputs = \{mse: Tensor\[\] float32, note: "hi"\}/);
  assert.match(out, /a dict with loss +→ outputs = \{loss: Tensor\[\] float32, lr: 0\.1000\}/);
  assert.match(out, /a number +→ MisconfigurationError: In manual optimization/);
  assert.match(out, /TypeError: manualBackward expects a function/);
  assert.match(out, /disposed after the batch: true/);
  assert.match(out, /batches: 16, optimizer steps \(globalStep\): 4/);
  assert.match(out, /maxSteps: 10 → globalStep 10, batchesSeen 5/);
  const joined = (v: unknown) => (Array.isArray(v) ? v.join("") : String(v ?? ""));
  const html = allOutputs(run).filter(({ output }) => joined(output.data?.["text/html"]).includes("onBeforeBackward"));
  assert.equal(html.length, 1, "the HookTrace table is shown");
  assert.equal(chartPngs(run).length, 1, "the live chart ends as a PNG");
  console.log(`01: ${run.seconds} s, ${(run.text.length / 1024).toFixed(0)} KiB`);
});

test("02-gan-mnist runs; charts saved as PNG; a real-digit classifier (≥ 95 %) rates the generator's output", { timeout: 900_000 }, async () => {
  const samplesPath = join(tmpdir(), `nb02-samples-${process.pid}.json`);
  const run = runNotebook("02-gan-mnist.ipynb", { extraCell: EXPORT_GAN_SAMPLES, env: { GAN_SAMPLES_OUT: samplesPath } });
  checkRun(run);
  const pngs = chartPngs(run);
  assert.equal(pngs.length, 2, "one final chart per run (the second overlays the first)");
  for (const png of pngs) assert.ok(Buffer.from(png, "base64").subarray(1, 4).toString() === "PNG");
  assert.match(stdoutOf(run), /12 batches, globalStep 24/);
  console.log(`02: ${run.seconds} s, ${(run.text.length / 1024).toFixed(0)} KiB`);

  const samples = JSON.parse(readFileSync(samplesPath, "utf8")) as { pixels: number[] };
  assert.equal(samples.pixels.length, 100 * 784);
  await ensureBackend();
  const rater = await trainDigitRater();
  const rating = await rater.rateArray(samples.pixels, "tanh");
  rater.dispose();
  console.log(`classifier accuracy ${(rater.accuracy * 100).toFixed(2)} % on 2000 held-out digits (${rater.seconds.toFixed(0)} s); ` +
    `quick GAN samples: mean top-class prob ${rating.meanTopProb.toFixed(3)}, classes present ${rating.classesPresent}/10`);
  assert.ok(rater.accuracy >= 0.95, `classifier accuracy ${rater.accuracy}`);
  assert.equal(rating.count, 100);
  assert.ok(rating.meanTopProb > 0 && rating.meanTopProb <= 1);
  assert.ok(rating.classesPresent >= 1 && rating.classesPresent <= 10);
});

test("03-callbacks-logging-checkpoints runs: CSV on disk, checkpoint resume, manual StepLR", { timeout: 600_000 }, () => {
  const run = runNotebook("03-callbacks-logging-checkpoints.ipynb");
  checkRun(run);
  const out = stdoutOf(run);
  assert.match(out, /\[ 'checkpoints', 'hparams\.yaml', 'metrics\.csv' \]/);
  assert.match(out, /epoch,step,train_loss,val_loss/);
  assert.match(out, /resumed at epoch 2, now epoch 3/);
  assert.match(out, /lr = 0\.0005 \(started at 0\.001\)/);
  assert.match(out, /outputs keys seen by the callback: \[ 'loss' \]/);
  assert.equal(chartPngs(run).length, 1);
  console.log(`03: ${run.seconds} s, ${(run.text.length / 1024).toFixed(0)} KiB`);
});
