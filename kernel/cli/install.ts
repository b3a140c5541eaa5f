/** `tslab-lightning install [--user | --prefix DIR] [--name NAME]`: writes kernel.json, no Python tooling involved. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureSelfLink, packageRoot } from "../jupyter/project-root";
import { type ParsedArgs, UsageError, stringOption } from "./args";
import { DEFAULT_KERNEL_NAME, kernelDir, kernelSpec } from "./kernelspec";

export const BIN_PATH = join(packageRoot, "bin", "tslab-lightning.js");

export function installKernelSpec(name = DEFAULT_KERNEL_NAME, prefix?: string): string {
  if (!/^[a-z0-9._-]+$/i.test(name)) throw new UsageError(`invalid kernel name ${JSON.stringify(name)}`);
  const dir = kernelDir(name, prefix);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(kernelSpec(BIN_PATH), null, 2) + "\n");
  ensureSelfLink();
  return dir;
}

export function installCommand(args: ParsedArgs): void {
  const prefix = stringOption(args, "prefix");
  if (prefix && args.options.has("user")) throw new UsageError("--user and --prefix exclude each other");
  const dir = installKernelSpec(stringOption(args, "name"), prefix);
  console.log(`Installed kernelspec ${stringOption(args, "name") ?? DEFAULT_KERNEL_NAME} in ${dir}`);
}
