/** A short legend label for a run: its name, else its scalar hyper-parameters ("lr=0.001, batchSize=64"). */
export function runLabel(runName: string | undefined, hparams: unknown, ordinal: number): string {
  if (runName) return runName;
  if (hparams && typeof hparams === "object") {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(hparams as Record<string, unknown>)) {
      if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") parts.push(`${k}=${v}`);
      if (parts.length === 4) break;
    }
    const text = parts.join(", ");
    if (text) return text.length > 48 ? `${text.slice(0, 47)}…` : text;
  }
  return `run ${ordinal}`;
}
