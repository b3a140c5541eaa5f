/** Shared by the dashboard tests: a tiny regression module, a fit helper, Chromium, and a raw ws client. */
import * as tf from "@tensorflow/tfjs";
import WebSocket from "ws";
import { LightningModule, Trainer, DataLoader, Callback } from "../../kernel/trainer";
import type { TrainerOptions } from "../../kernel/trainer";

export class TinyRegressor extends LightningModule {
  net = tf.sequential({ layers: [tf.layers.dense({ units: 8, activation: "relu", inputShape: [4] }), tf.layers.dense({ units: 1 })] });
  constructor(lr = 0.01) {
    super();
    this.saveHyperparameters({ lr, hidden: 8, optimizer: "adam" });
  }
  configureOptimizers() {
    return tf.train.adam(this.hparams.lr as number);
  }
  trainingStep(batch: { x: tf.Tensor; y: tf.Tensor }) {
    const pred = this.net.apply(batch.x) as tf.Tensor;
    const loss = tf.losses.meanSquaredError(batch.y, pred) as tf.Scalar;
    const mae = tf.mean(tf.abs(tf.sub(batch.y, pred))) as tf.Scalar;
    this.log("train/mae", mae);
    return { loss, train: { loss } };
  }
}

export function regressionData(n = 256): DataLoader {
  const x = tf.randomUniform([n, 4], -1, 1);
  const y = tf.sum(x, 1, true);
  return new DataLoader({ x, y }, { batchSize: 8 });
}

/** Slows every batch down a little so a browser can watch a fit of a few seconds. */
export class Pace extends Callback {
  constructor(private readonly ms: number) {
    super();
  }
  async onTrainBatchEnd(): Promise<void> {
    await new Promise((r) => setTimeout(r, this.ms));
  }
}

export async function fit(options: TrainerOptions, makeModule: () => LightningModule = () => new TinyRegressor(), n = 256): Promise<Trainer> {
  await tf.setBackend("cpu");
  const module = makeModule();
  const data = regressionData(n);
  const trainer = new Trainer({ logger: false, enableCheckpointing: false, enableProgressBar: false, ...options });
  await trainer.fit(module, data);
  return trainer;
}

export const chromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
}

/** Opens a raw ws client; resolves once open (or rejects with the HTTP status of a refused upgrade). */
export function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once("error", reject);
  });
}

export function wsUrl(httpUrl: string): string {
  const u = new URL(httpUrl);
  return `ws://${u.host}/ws${u.search}`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const start = Date.now();
  const end = start + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) {
      if (process.env.DASHBOARD_TEST_TIMING) console.log(`${what}: ${Date.now() - start} ms`);
      return v as NonNullable<T>;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
