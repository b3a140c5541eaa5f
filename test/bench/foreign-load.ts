// How much CPU other processes took while a benchmark ran: the machine's busy time (/proc/stat)
// minus this process's own (all its threads), in cores (0: nobody else ran; 1: one core's worth).
// A two-thread measurement needs both cores; reps during which others ran are retried.
import { readFileSync } from "node:fs";

function machineBusySeconds(): number | null {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields; // idle and iowait are what is left
    return (user + nice + system + irq + softirq + (steal ?? 0)) / 100; // USER_HZ = 100
  } catch {
    return null;
  }
}

/** Starts a meter; calling the result returns the foreign load since then (NaN where /proc/stat is missing). */
export function foreignLoadMeter(): () => number {
  const busy0 = machineBusySeconds();
  const own0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  return () => {
    const busy1 = machineBusySeconds();
    if (busy0 == null || busy1 == null) return NaN;
    const own = process.cpuUsage(own0);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    return Math.max(0, busy1 - busy0 - (own.user + own.system) / 1e6) / wall;
  };
}

/**
 * Runs `rep` until `reps` runs had less than `maxLoad` foreign load, or `budgetMs` ran out (then
 * the least loaded runs are kept). Returns the kept runs' results and loads.
 */
export async function cleanReps<T>(reps: number, maxLoad: number, budgetMs: number, rep: () => Promise<T>): Promise<{ results: T[]; loads: number[]; tried: number }> {
  const runs: { result: T; load: number }[] = [];
  const start = Date.now();
  while (runs.filter((r) => !(r.load > maxLoad)).length < reps && (runs.length < reps || Date.now() - start < budgetMs)) {
    const meter = foreignLoadMeter();
    const result = await rep();
    runs.push({ result, load: meter() });
  }
  const kept = [...runs].sort((x, y) => (x.load > maxLoad ? 1 : 0) - (y.load > maxLoad ? 1 : 0) || x.load - y.load).slice(0, reps);
  return { results: kept.map((r) => r.result), loads: kept.map((r) => r.load), tried: runs.length };
}
