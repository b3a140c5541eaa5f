/**
 * Runs kept for the kernel session, by chart name, so that fits sharing a chart name are overlaid
 * (the module lives as long as the kernel). Only the newest few are kept to bound memory and output size.
 */
import type { RunRecord } from "./run-record";

export const maxRunsPerChart = 4;

const runsByChart = new Map<string, RunRecord[]>();

/** Registers a new run and returns the runs to draw, oldest first (the new one last). */
export function startRun(chartName: string, run: RunRecord): RunRecord[] {
  const runs = (runsByChart.get(chartName) ?? []).concat(run).slice(-maxRunsPerChart);
  runsByChart.set(chartName, runs);
  return runs;
}

/** Forgets a chart's earlier runs (or all charts). */
export function clearRuns(chartName?: string): void {
  if (chartName === undefined) runsByChart.clear();
  else runsByChart.delete(chartName);
}
