// WebGPU (Dawn) lives in ./webgpu, written separately and optional: load it with a guarded
// require so selection works whether or not that module (or its npm packages) exist.
import { firstLine } from "./activate";

type InitWebgpu = (opts: { allowSoftware: boolean }) => Promise<
  { ok: true; adapter: Record<string, unknown> } | { ok: false; reason: string }
>;

/** Activates webgpu; resolves to the adapter description, or throws with the one-line reason. */
export async function loadWebgpuBackend(allowSoftware: boolean): Promise<Record<string, unknown>> {
  let initWebgpu: InitWebgpu | undefined;
  try {
    const load: (id: string) => { initWebgpu?: InitWebgpu } = require;
    initWebgpu = load("./webgpu").initWebgpu;
  } catch (err) {
    throw new Error(`webgpu support module failed to load: ${firstLine(err)}`);
  }
  if (typeof initWebgpu !== "function") throw new Error("webgpu support module has no initWebgpu()");
  const result = await initWebgpu({ allowSoftware });
  if (!result.ok) throw new Error(result.reason.replace(/^webgpu:\s*/, ""));
  return result.adapter;
}
