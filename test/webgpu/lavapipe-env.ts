// Environment for child node processes that must run tfjs on WebGPU over the locally unpacked Mesa lavapipe
// (see .ci/install-lavapipe.sh). LD_LIBRARY_PATH is read by the dynamic loader at process start, so these
// variables only take effect in a new process: spawn one with `env: lavapipeEnv(dir)`.
import * as fs from "node:fs";
import * as path from "node:path";

export const LAVAPIPE_DIR_VAR = "TSLAB_LIGHTNING_LAVAPIPE_DIR";
export const SKIP_VAR = "TSLAB_LIGHTNING_SKIP_WEBGPU";

export const SETUP_HINT =
  `${LAVAPIPE_DIR_VAR} is not set (or does not hold an unpacked lavapipe). The webgpu tests need Mesa >= 25 lavapipe: ` +
  `run \`bash .ci/install-lavapipe.sh /some/dir\` (needs the npm optional deps webgpu + @tensorflow/tfjs-backend-webgpu ` +
  `and apt packages libvulkan1 mesa-vulkan-drivers; the script installs the latter as root), then ` +
  `\`export ${LAVAPIPE_DIR_VAR}=/some/dir\`. To skip these tests on purpose, set ${SKIP_VAR}=1.`;

export interface LavapipeLookup {
  dir?: string;
  problem?: string;
}

/** Finds the lavapipe dir from the env var and checks it holds the ICD json written by the install script. */
export function findLavapipeDir(env: NodeJS.ProcessEnv = process.env): LavapipeLookup {
  const dir = env[LAVAPIPE_DIR_VAR];
  if (!dir) return { problem: SETUP_HINT };
  const icd = path.join(dir, "lvp_icd.json");
  if (!fs.existsSync(icd)) return { problem: `${icd} does not exist. ${SETUP_HINT}` };
  const lib = icdLibrary(icd);
  if (!lib || !fs.existsSync(lib)) return { problem: `${icd} names a missing library ${lib}. ${SETUP_HINT}` };
  return { dir };
}

function icdLibrary(icdJson: string): string | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(icdJson, "utf8")) as { ICD?: { library_path?: string } };
    return parsed.ICD?.library_path;
  } catch {
    return undefined;
  }
}

/** process.env plus what a child needs to use the lavapipe in `dir` (same values as DIR/env.sh). */
export function lavapipeEnv(dir: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const icd = path.join(dir, "lvp_icd.json");
  const libDir = path.dirname(icdLibrary(icd) ?? path.join(dir, "root", "usr", "lib", "x86_64-linux-gnu", "x"));
  return {
    ...base,
    VK_DRIVER_FILES: icd,
    VK_ICD_FILENAMES: icd,
    LD_LIBRARY_PATH: [libDir, base.LD_LIBRARY_PATH].filter(Boolean).join(":"),
    XDG_RUNTIME_DIR: base.XDG_RUNTIME_DIR || path.join(dir, "xdg"),
    MESA_SHADER_CACHE_DIR: base.MESA_SHADER_CACHE_DIR || path.join(dir, "mesa_shader_cache"),
    [LAVAPIPE_DIR_VAR]: dir,
  };
}
