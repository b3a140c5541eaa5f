/**
 * Run silently before the first cell, so a fresh notebook has the trainer API and `tf` in scope, with types. Later
 * explicit imports of the same modules resolve to the same instances (one tfjs, one Trainer class).
 */
import { PACKAGE_NAME } from "./project-root";

/** The names a notebook can use without importing anything (those the package actually exports). */
export const PRELUDE_NAMES = [
  "LightningModule",
  "Trainer",
  "Callback",
  "DataLoader",
  "LightningDataModule",
  "seedEverything",
  "MisconfigurationError",
];

/** `exported` is the package's runtime export object; naming a missing export would fail the whole prelude. */
export function preludeSource(exported: object): string {
  const names = PRELUDE_NAMES.filter((name) => name in exported);
  const lines = [`import * as tf from "@tensorflow/tfjs";`];
  if (names.length > 0) lines.push(`import { ${names.join(", ")} } from "${PACKAGE_NAME}";`);
  return lines.join("\n");
}

/**
 * Makes `tf` usable in the first cell: selects the package's backend (`ensureBackend`, which logs its choice to the
 * kernel log), or waits for tfjs's default one. Without it, `tf.tensor()` in a fresh notebook fails with "backend
 * 'wasm' has not yet been initialized".
 */
export async function prepareBackend(exported: { ensureBackend?: () => Promise<unknown> }): Promise<void> {
  if (typeof exported.ensureBackend === "function") await exported.ensureBackend();
  else await (require("@tensorflow/tfjs") as typeof import("@tensorflow/tfjs")).ready();
}
