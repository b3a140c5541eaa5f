// tfjs-node / tfjs-node-gpu (native libtensorflow) are optional peers: they cannot be installed
// where their install script cannot download libtensorflow. Loading one registers the
// 'tensorflow' backend with the shared @tensorflow/tfjs-core, which we then activate.
import { activateBackend, firstLine } from "./activate";

export const NATIVE_PACKAGES = {
  tensorflow: "@tensorflow/tfjs-node",
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
} as const;

export async function loadNativeBackend(which: keyof typeof NATIVE_PACKAGES): Promise<void> {
  const pkg = NATIVE_PACKAGES[which];
  try {
    // A computed name keeps TypeScript and bundlers from resolving the optional peer at build time.
    const load: (id: string) => unknown = require;
    load(pkg);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "MODULE_NOT_FOUND" && firstLine(err).includes(pkg)) throw new Error(`${pkg} is not installed`);
    throw new Error(`${pkg} failed to load: ${firstLine(err)}`);
  }
  await activateBackend("tensorflow");
}
