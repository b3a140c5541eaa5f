/** `LightningDataModule`: groups the data hooks (prepareData, setup, *Dataloader) of a dataset. */
import type { MaybePromise, Stage } from "../hooks";

export abstract class LightningDataModule {
  prepareData?(): MaybePromise<void>;
  setup?(stage: Stage): MaybePromise<void>;
  teardown?(stage: Stage): MaybePromise<void>;
  trainDataloader?(): unknown;
  valDataloader?(): unknown;
  testDataloader?(): unknown;
  predictDataloader?(): unknown;
  onException?(error: unknown): MaybePromise<void>;
  stateDict?(): Record<string, unknown>;
  loadStateDict?(state: Record<string, unknown>): void;
}
