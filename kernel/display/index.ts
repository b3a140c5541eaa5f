/** Live training display: charts beneath the running Jupyter cell, a text progress line elsewhere. */
export { LiveChart, type LiveChartDeps } from "./live-chart";
export { TextProgress, type TextStream } from "./text-progress";
export { createDefaultDisplayCallbacks } from "./default-callbacks";
export { resolveLiveOptions, type LiveOptions, type ResolvedLiveOptions } from "./live-options";
export type { GroupsOption } from "./metric-groups";
export { isInsideJupyter, createJupyterSink, findKernelWriter, JupyterSink } from "./jupyter-sink";
export type { DisplaySink, DisplayContent, DisplayMessageType, MimeBundle } from "./display-sink";
export { MemorySink, type RecordedMessage } from "./memory-sink";
export { DisplayHandle, newDisplayId } from "./display-handle";
export { systemScheduler, ManualScheduler, type Scheduler } from "./scheduler";
export { SendBudget, defaultBudget, type BudgetLimits } from "./send-budget";
export { decimateMinMax, type Decimated, type Marker, type MarkerKind } from "./decimate";
export { clearRuns, maxRunsPerChart } from "./run-registry";
export { renderImageGrid, readImageBatches, type ImageBatch } from "./image-grid";
export { encodePng } from "./raster/png-encode";
