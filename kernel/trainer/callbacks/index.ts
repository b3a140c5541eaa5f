export { ModelCheckpoint, formatTemplate, type ModelCheckpointOptions } from "./model-checkpoint";
export { EarlyStopping, type EarlyStoppingOptions } from "./early-stopping";
export { LearningRateMonitor, type LearningRateMonitorOptions } from "./learning-rate-monitor";
export { ModelSummary, summarize, formatSummary, humanCount, type SummaryRow, type ModelSummaryData } from "./model-summary";
