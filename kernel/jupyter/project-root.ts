/**
 * Where the kernel type-checks and resolves imports from. tslab compiles cells as if they were a file in the
 * kernel's cwd, so `node_modules` (with @types/node, @tensorflow/tfjs and tslab-lightning itself) must be found by
 * walking up from the cwd. Jupyter starts the kernel in the notebook's directory, which works anywhere inside the
 * project; from elsewhere the kernel moves to the project root.
 */
import { existsSync, lstatSync, readFileSync, symlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const PACKAGE_NAME = "tslab-lightning";

/** This package's root (…/dist/kernel/jupyter → …). */
export const packageRoot = resolve(__dirname, "..", "..", "..");

/** The directory whose node_modules holds our dependencies: the package itself, or the project depending on it. */
export function projectRoot(): string {
  const parent = dirname(packageRoot);
  return parent.endsWith("node_modules") ? dirname(parent) : packageRoot;
}

/** Whether a cell compiled in `dir` can resolve this package and tfjs (types and runtime). */
export function resolvesFrom(dir: string): boolean {
  try {
    require.resolve(`${PACKAGE_NAME}/package.json`, { paths: [dir] });
    require.resolve("@tensorflow/tfjs", { paths: [dir] });
    return existsSync(typesNodeFrom(dir));
  } catch {
    return false;
  }
}

function typesNodeFrom(dir: string): string {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const candidate = join(d, "node_modules", "@types", "node", "package.json");
    if (existsSync(candidate) || dirname(d) === d) return candidate;
  }
}

/**
 * Node's (and TypeScript 5.0's node10) resolution finds a package by name only in a node_modules directory. When this
 * package is the project itself, link node_modules/tslab-lightning → .. so `import … from "tslab-lightning"` works in
 * notebooks inside it. A real install (the package already in node_modules) is left alone.
 */
export function ensureSelfLink(root = packageRoot): void {
  const modules = join(root, "node_modules");
  const link = join(modules, PACKAGE_NAME);
  if (!existsSync(modules) || isPresent(link)) return;
  if (readPackageName(root) !== PACKAGE_NAME) return;
  try {
    symlinkSync("..", link, "dir");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
}

function isPresent(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function readPackageName(dir: string): string | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name;
  } catch {
    return undefined;
  }
}

/** Moves the kernel into the project when the notebook's directory cannot see it; returns the cwd used. */
export function settleWorkingDirectory(): string {
  ensureSelfLink();
  const cwd = process.cwd();
  if (resolvesFrom(cwd)) return cwd;
  const root = projectRoot();
  process.chdir(root);
  console.error(`[tslab-lightning] ${cwd} cannot resolve ${PACKAGE_NAME}; running the kernel in ${root}`);
  return root;
}
