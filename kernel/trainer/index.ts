/** The trainer: Lightning 2.x's API on TensorFlow.js. Knows no screen, server or kernel. */
export { LightningModule, type Optimizers, type Schedulers } from "./module";
export { Trainer, type TrainerState, type TrainerStatus, type TrainerFn, type CheckpointRestorer } from "./trainer";
export type { TrainerOptions } from "./trainer-options";
export { Callback, overrides } from "./callback";
export { DataLoader, type DataLoaderOptions } from "./data/data-loader";
export { LightningDataModule } from "./data/data-module";
export { seedEverything, unseed, globalSeed, mulberry32 } from "./seed";
export { MisconfigurationError, TrainingInterrupted, NotImplementedError } from "./errors";
export { LightningOptimizer } from "./optim/lightning-optimizer";
export { LRScheduler, type SchedulableOptimizer } from "./optim/schedulers/lr-scheduler";
export { StepLR } from "./optim/schedulers/step-lr";
export type { SchedulerConfig, OptimizerConfig, ConfigureOptimizersResult } from "./optim/configure-optimizers";
export type { ParamSource } from "./optim/parameters";
export type { LogOptions, LogValue, ReduceFx } from "./logging/log-options";
export type { Logger } from "./logger";
export type { BatchScalars, StepOutputs, Stage, HookName, MaybePromise } from "./hooks";
export type { HookEvent, HookObserver } from "./hook-caller";
export { requestInterrupt } from "./interrupt";
