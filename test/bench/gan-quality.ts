/**
 * Full-run quality of notebooks/02-gan-mnist.ipynb: runs the notebook as written (no quick setting) in our kernel,
 * exports 100 digits from the first run's generator, and rates them with a classifier trained on the real digits
 * (2000 held out). Thresholds: classifier accuracy ≥ 95 %, mean top-class probability ≥ 0.8, ≥ 8 of 10 classes.
 * Run: npx tsc -p tsconfig.json && node dist/test/bench/gan-quality.js   (about 10 minutes on 2 cores)
 */
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBackend } from "../../kernel";
import { trainDigitRater } from "../../kernel/data";
import { EXPORT_GAN_SAMPLES, runNotebook } from "../notebooks/notebook-runner";

async function main(): Promise<void> {
  const samplesPath = join(tmpdir(), `gan-quality-${process.pid}.json`);
  const t0 = Date.now();
  const run = runNotebook("02-gan-mnist.ipynb", { quick: false, extraCell: EXPORT_GAN_SAMPLES, env: { GAN_SAMPLES_OUT: samplesPath }, cellTimeout: 1800 });
  const wall = (Date.now() - t0) / 1000;
  if (!run.ok) throw new Error(`notebook failed: ${run.error}`);
  const s = JSON.parse(readFileSync(samplesPath, "utf8")) as { pixels: number[]; batchesSeen: number; backend: string; seconds: number };
  console.log(`notebook: ${wall.toFixed(0)} s in total; first GAN run: ${s.batchesSeen} batches in ${s.seconds.toFixed(0)} s on ${s.backend}; notebook ${(run.text.length / 1024).toFixed(0)} KiB`);
  await ensureBackend();
  const rater = await trainDigitRater();
  const rating = await rater.rateArray(s.pixels, "tanh");
  rater.dispose();
  const checks = {
    "classifier accuracy ≥ 0.95": rater.accuracy >= 0.95,
    "first run ≤ 300 s": s.seconds <= 300,
    "mean top-class prob ≥ 0.8": rating.meanTopProb >= 0.8,
    "classes present ≥ 8": rating.classesPresent >= 8,
  };
  console.log(`classifier: accuracy ${(rater.accuracy * 100).toFixed(2)} % on 2000 held-out digits (${rater.seconds.toFixed(0)} s)`);
  console.log(`GAN samples (100): mean top-class prob ${rating.meanTopProb.toFixed(3)}, classes present ${rating.classesPresent}/10, histogram ${rating.histogram.join(" ")}`);
  for (const [name, ok] of Object.entries(checks)) console.log(`${ok ? "PASS" : "FAIL"} ${name}`);
  if (Object.values(checks).some((ok) => !ok)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
