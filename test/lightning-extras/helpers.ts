/** Shared pieces of the lightning-extras tests: a small regression module, data, temp dirs. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { tf, LightningModule, DataLoader, Trainer, type TrainerOptions } from "../../kernel";

export async function tempDir(prefix = "tsl-extras-"): Promise<string> {
  return fs.promises.mkdtemp(path.join(os.tmpdir(), prefix));
}

export type XY = { x: tf.Tensor; y: tf.Tensor };

/** Linear-ish regression data: y = x·w* + noise, fixed values (no RNG). */
export function regressionData(n = 32, dIn = 4): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    let y = 0;
    for (let j = 0; j < dIn; j++) {
      const v = Math.sin(i * 1.7 + j * 0.3);
      xs.push(v);
      y += v * (j + 1) * 0.5;
    }
    ys.push(y + 0.1 * Math.cos(i));
  }
  return { x: tf.tensor2d(xs, [n, dIn]), y: tf.tensor2d(ys, [n, 1]) };
}

/** A two-layer MLP trained with Adam (and an optional scheduler factory); logs train_loss and val_loss. */
export class Regressor extends LightningModule {
  net: tf.Sequential;
  constructor(
    readonly hidden = 8,
    readonly lr = 0.01,
    readonly sched?: (opt: tf.Optimizer) => unknown,
  ) {
    super();
    this.net = tf.sequential({
      layers: [tf.layers.dense({ units: hidden, activation: "tanh", inputShape: [4] }), tf.layers.dense({ units: 1 })],
    });
    this.saveHyperparameters({ hidden, lr });
  }
  lossOf(b: XY): tf.Scalar {
    return tf.losses.meanSquaredError(b.y, this.net.apply(b.x) as tf.Tensor) as tf.Scalar;
  }
  trainingStep(b: XY): unknown {
    const loss = this.lossOf(b);
    this.log("train_loss", loss, { onStep: true, onEpoch: true });
    return loss;
  }
  validationStep(b: XY) {
    this.log("val_loss", this.lossOf(b));
  }
  configureOptimizers(): any {
    const optimizer = tf.train.adam(this.lr);
    return this.sched ? { optimizer, lrScheduler: this.sched(optimizer) } : optimizer;
  }
}

export function loaders(shuffle = true): { train: DataLoader<XY>; val: DataLoader<XY> } {
  const d = regressionData(32);
  const v = regressionData(8);
  return {
    train: new DataLoader<XY>({ x: d.x, y: d.y }, { batchSize: 8, shuffle }),
    val: new DataLoader<XY>({ x: v.x, y: v.y }, { batchSize: 8 }),
  };
}

export function quietTrainer(opts: TrainerOptions = {}): Trainer {
  return new Trainer({ live: false, enableProgressBar: false, logger: false, enableCheckpointing: opts.callbacks !== undefined, ...opts });
}

export async function weightsOf(m: LightningModule): Promise<number[][]> {
  const out: number[][] = [];
  for (const v of m.allVariables()) out.push(Array.from(await v.data()));
  return out;
}
