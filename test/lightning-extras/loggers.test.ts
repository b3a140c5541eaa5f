/** CSVLogger (Lightning's layout, growing columns, flushing, hparams.yaml), LearningRateMonitor, ModelSummary, formats. */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { tf, Trainer, CSVLogger, LearningRateMonitor, ModelSummary, StepLR, MisconfigurationError, summarize, formatSummary, type Logger } from "../../kernel";
import { hparamsToYaml, yamlToHparams, readCsv, pyFloatRepr, pyFormat } from "../../kernel/trainer/loggers";
import { formatTemplate } from "../../kernel";
import { loaders, quietTrainer, Regressor, tempDir } from "./helpers";

before(async () => {
  await tf.setBackend("cpu");
});

test("the default logger writes <root>/lightning_logs/version_N/metrics.csv and hparams.yaml like Lightning", async () => {
  const root = await tempDir();
  const { train, val } = loaders(false);
  const opts = { live: false, enableProgressBar: false, enableCheckpointing: false, defaultRootDir: root, maxEpochs: 2, logEveryNSteps: 2, numSanityValSteps: 0 };
  const t = new Trainer(opts);
  assert.ok(t.logger instanceof CSVLogger);
  await t.fit(new Regressor(8, 0.01), train, val);
  const dir = path.join(root, "lightning_logs", "version_0");
  assert.equal(t.logger!.logDir, dir);
  assert.equal(fs.readFileSync(path.join(dir, "hparams.yaml"), "utf8"), "hidden: 8\nlr: 0.01\n");
  const csv = readCsv(fs.readFileSync(path.join(dir, "metrics.csv"), "utf8"));
  assert.deepEqual(csv.header, ["epoch", "step", "train_loss_epoch", "train_loss_step", "val_loss"]);
  // 4 batches/epoch, logEveryNSteps 2 → step rows at 1, 3, 5, 7; epoch rows (val_loss, train_loss_epoch) at 3 and 7
  const rows = csv.rows.filter((r) => r.val_loss === "").map((r) => [r.step, r.epoch, r.train_loss_step !== "", r.train_loss_epoch !== ""]);
  assert.deepEqual(rows, [
    ["1", "0", true, false], ["3", "0", true, false], ["3", "0", false, true],
    ["5", "1", true, false], ["7", "1", true, false], ["7", "1", false, true],
  ]);
  assert.equal(csv.rows.filter((r) => r.val_loss !== "").length, 2);
  assert.match(csv.rows[0].train_loss_step, /^\d+\.\d+(e-\d\d)?$/);
  // a second trainer gets the next version
  const t2 = new Trainer(opts);
  assert.equal((t2.logger as CSVLogger).version, 1);
});

test("CSVLogger grows columns by rewriting the file with the union header, and flushes every N steps", async () => {
  const root = await tempDir();
  const l = new CSVLogger({ saveDir: root, name: "exp", flushLogsEveryNSteps: 3 });
  l.logMetrics({ b: 1 }, 0);
  l.logMetrics({ b: 0.5 }, 1);
  assert.equal(fs.existsSync(l.metricsFile), false, "buffered until step 2");
  l.logMetrics({ b: 2, a: 1e-5 }, 2);
  assert.equal(fs.readFileSync(l.metricsFile, "utf8"), "a,b,step\n,1.0,0\n,0.5,1\n1e-05,2.0,2\n");
  l.logMetrics({ c: 3 }, 3);
  l.finalize("success");
  assert.equal(fs.readFileSync(l.metricsFile, "utf8"), "a,b,c,step\n,1.0,,0\n,0.5,,1\n1e-05,2.0,,2\n,,3.0,3\n");
  assert.equal(l.logDir, path.join(root, "exp", "version_0"));
  assert.equal(fs.readFileSync(l.hparamsFile, "utf8"), "{}\n");
});

test("hparams YAML and Python number formats", () => {
  const y = hparamsToYaml({ lr: 1e-5, name: "gan", layers: [64, 32], opt: { beta: 0.5, on: true }, none: null, n: 3, f: 2.5 });
  assert.equal(y, "f: 2.5\nlayers:\n- 64\n- 32\nlr: 1.0e-05\nn: 3\nname: gan\nnone: null\nopt:\n  beta: 0.5\n  'on': true\n");
  assert.deepEqual(yamlToHparams(y), { f: 2.5, layers: [64, 32], lr: 1e-5, n: 3, name: "gan", none: null, opt: { beta: 0.5, on: true } });
  assert.deepEqual([1, 0.1, 1e-4, 1.5e-7, 1e16, 123456.789, -2].map(pyFloatRepr), ["1.0", "0.1", "0.0001", "1.5e-07", "1e+16", "123456.789", "-2.0"]);
  assert.equal(pyFormat(0.12345, ".2f", false), "0.12");
  assert.equal(pyFormat(7, "03d", true), "007");
  assert.equal(pyFormat(0.000123, ".3e", false), "1.230e-04");
  assert.equal(formatTemplate("{epoch}-{val_loss:.2f}", { epoch: 3, val_loss: 0.1234 }, true), "epoch=3-val_loss=0.12");
  assert.equal(formatTemplate("{epoch:02d}-{missing}", { epoch: 3 }, false), "03-0");
});

test("LearningRateMonitor logs lr-<Optimizer> at the scheduler's interval; without a logger it is an error", async () => {
  const { train } = loaders(false);
  const calls: { m: Record<string, number>; step: number }[] = [];
  const logger: Logger = { logMetrics: (m, step) => void calls.push({ m, step }) };
  const monitor = new LearningRateMonitor();
  const m = new Regressor(8, 0.01, (opt) => new StepLR(opt, { stepSize: 1, gamma: 0.5 }));
  await quietTrainer({ maxEpochs: 3, logger, callbacks: [monitor], enableCheckpointing: false }).fit(m, train);
  const lrCalls = calls.filter((c) => "lr-Adam" in c.m);
  assert.deepEqual(lrCalls.map((c) => [c.m["lr-Adam"], c.step]), [[0.01, 0], [0.005, 4], [0.0025, 8]]);
  assert.deepEqual(monitor.lrs, { "lr-Adam": [0.01, 0.005, 0.0025] });
  await assert.rejects(quietTrainer({ maxEpochs: 1, callbacks: [new LearningRateMonitor()], enableCheckpointing: false }).fit(new Regressor(), train),
    (e: Error) => e instanceof MisconfigurationError && /Cannot use `LearningRateMonitor` callback with `Trainer` that has no logger/.test(e.message));
});

test("ModelSummary: rows, trainable/non-trainable totals and the printed table", async () => {
  const m = new Regressor(8);
  m.net.layers[1].trainable = false; // 9 frozen params
  const s = summarize(m, 2);
  assert.deepEqual(s.rows.map((r) => [r.name, r.params, r.trainableParams, r.outputShape]), [
    ["net", 49, 40, "[null, 1]"],
    [`net.${m.net.layers[0].name}`, 40, 40, "[null, 8]"],
    [`net.${m.net.layers[1].name}`, 9, 0, "[null, 1]"],
  ]);
  assert.equal(s.rows[1].type, "Dense");
  assert.deepEqual([s.trainableParams, s.nonTrainableParams, s.totalParams], [40, 9, 49]);
  const text = formatSummary(s);
  assert.match(text, /\| Name\s+\| Type\s+\| Params \| Out sizes/);
  assert.match(text, /^40\s+Trainable params$/m);
  assert.match(text, /^9\s+Non-trainable params$/m);
  assert.match(text, /^49\s+Total params$/m);
  const printed: string[] = [];
  const { train } = loaders(false);
  const cb = new ModelSummary({ print: (t) => printed.push(t) });
  await quietTrainer({ maxEpochs: 1, callbacks: [cb], enableCheckpointing: false }).fit(new Regressor(), train);
  assert.equal(printed.length, 1);
  assert.equal(cb.summary!.totalParams, 49);
});

test("validation rows share the step of the epoch's last training batch (Lightning increments _batches_that_stepped after validation)", async () => {
  const root = await tempDir();
  const { train, val } = loaders(false);
  const t = new Trainer({ live: false, enableProgressBar: false, enableCheckpointing: false, defaultRootDir: root, maxEpochs: 1, logEveryNSteps: 2, numSanityValSteps: 0 });
  await t.fit(new Regressor(8, 0.01), train, val);
  const csv = readCsv(fs.readFileSync(path.join(root, "lightning_logs", "version_0", "metrics.csv"), "utf8"));
  assert.deepEqual(csv.rows.filter((r) => r.val_loss !== "").map((r) => r.step), ["3"]);
});
