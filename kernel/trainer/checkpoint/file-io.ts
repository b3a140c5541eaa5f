/**
 * Atomic file writes for checkpoints: write a temporary file next to the target, fsync it, rename it over the target,
 * fsync the directory. (No Math.random here: seedEverything replaces it, and saving must not shift the seeded stream.)
 * A crash before the rename leaves the previous file intact; the temporary file is removed on error.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";

/** @internal test seam: called after the temporary file is written and synced, before the rename. */
export const _atomicWriteHooks: { beforeRename: ((tmp: string, target: string) => void) | null } = { beforeRename: null };

export async function writeFileAtomic(target: string, data: Buffer): Promise<void> {
  const dir = path.dirname(target);
  await fs.promises.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let handle: fs.promises.FileHandle | null = null;
  try {
    handle = await fs.promises.open(tmp, "w");
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = null;
    _atomicWriteHooks.beforeRename?.(tmp, target);
    await fs.promises.rename(tmp, target);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  let h: fs.promises.FileHandle | null = null;
  try {
    h = await fs.promises.open(dir, "r");
    await h.sync();
  } catch {
    /* not supported on every platform (e.g. Windows); the rename is still atomic */
  } finally {
    await h?.close().catch(() => undefined);
  }
}
