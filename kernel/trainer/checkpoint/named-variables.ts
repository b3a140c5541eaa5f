/**
 * Stable names for a module's variables, like PyTorch's `state_dict` keys: the property path plus the layer's index
 * in its model and the weight's own name ("generator.0.kernel", "discriminator.1.bias", "scale"). tf.Variable names
 * carry global counters ("dense_Dense3/kernel") that differ between two instances of the same model, so they cannot
 * identify a variable across processes.
 */
import * as tf from "@tensorflow/tfjs";
import { LightningModule } from "../module";

export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

const SKIP = new Set(["_trainer", "_keptTensors", "automaticOptimization", "hparams", "training"]);

export function namedVariables(module: LightningModule): NamedVariable[] {
  const names = new Map<tf.Variable, string>();
  const used = new Set<string>();
  const name = (v: tf.Variable, n: string) => {
    if (names.has(v)) return;
    let unique = n;
    for (let i = 1; used.has(unique); i++) unique = `${n}_${i}`;
    used.add(unique);
    names.set(v, unique);
  };
  const seen = new Set<unknown>();
  const walk = (value: unknown, p: string): void => {
    if (value === null || typeof value !== "object" || seen.has(value)) return;
    seen.add(value);
    if (value instanceof tf.Variable) return name(value, p);
    if (value instanceof LightningModule) {
      for (const [k, v] of Object.entries(value)) if (!SKIP.has(k)) walk(v, join(p, k));
      return;
    }
    if (value instanceof tf.LayersModel) {
      value.layers.forEach((layer, i) => walk(layer, join(p, String(i))));
      // Weights not owned by any listed layer (rare) keep their position.
      value.weights.forEach((w, i) => name(w.read() as tf.Variable, join(p, `w${i}`)));
      return;
    }
    if (value instanceof tf.layers.Layer) {
      for (const w of value.weights) {
        const short = (w.originalName ?? w.name).split("/").pop()!.replace(/_\d+$/, "");
        name(w.read() as tf.Variable, join(p, short));
      }
      return;
    }
    if (typeof (value as any).ownVariables === "function") {
      ((value as any).ownVariables() as tf.Variable[]).forEach((v, i) => name(v, join(p, String(i))));
      return;
    }
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, join(p, String(i))));
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) for (const [k, v] of Object.entries(value)) walk(v, join(p, k));
  };
  walk(module, "");
  return module.allVariables().map((v, i) => ({ name: names.get(v) ?? `variable${i}`, variable: v }));
}

function join(a: string, b: string): string {
  return a ? `${a}.${b}` : b;
}
