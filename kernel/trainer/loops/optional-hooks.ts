/**
 * The per-batch hooks most runs leave unimplemented, decided once per fit: whether a callback (or an observer such as
 * HookTrace) or the module has each. A batch skips the dispatch of the rest — each an argument array, a hook record and
 * a callback-list lookup, on caches the step's kernels left cold. The module's optimizer hooks that keep
 * LightningModule's default body are called directly instead of through the HookCaller (nothing observes them).
 */
import type { HookCaller } from "../hook-caller";

/** LightningModule methods the loops call as hooks, whose default body the module may keep. */
export type DefaultModuleHook = "backward" | "optimizerStep" | "optimizerZeroGrad" | "configureGradientClipping" | "clipGradients";

export interface OptionalHooks {
  onTrainBatchStart: boolean;
  onTrainBatchEnd: boolean;
  onBeforeZeroGrad: boolean;
  onBeforeBackward: boolean;
  /** The module's `backward`: LightningModule's own is a no-op (TF.js computed the gradients already). */
  backward: boolean;
  onAfterBackward: boolean;
  onBeforeOptimizerStep: boolean;
  /** Dispatch these through the HookCaller (overridden or observed); otherwise call the default directly. */
  optimizerStep: boolean;
  optimizerZeroGrad: boolean;
  configureGradientClipping: boolean;
}

/** Every hook fires: outside a planned fit (and before the plan), nothing is skipped. */
export const ALL_HOOKS: OptionalHooks = Object.freeze({
  onTrainBatchStart: true,
  onTrainBatchEnd: true,
  onBeforeZeroGrad: true,
  onBeforeBackward: true,
  backward: true,
  onAfterBackward: true,
  onBeforeOptimizerStep: true,
  optimizerStep: true,
  optimizerZeroGrad: true,
  configureGradientClipping: true,
});

export function optionalHooks(hooks: HookCaller, module: { _keepsDefault(hook: DefaultModuleHook): boolean }): OptionalHooks {
  const dispatch = (hook: DefaultModuleHook) => hooks.observers.length > 0 || !module._keepsDefault(hook);
  return {
    onTrainBatchStart: hooks.implemented("onTrainBatchStart"),
    onTrainBatchEnd: hooks.implemented("onTrainBatchEnd"),
    onBeforeZeroGrad: hooks.implemented("onBeforeZeroGrad"),
    onBeforeBackward: hooks.implemented("onBeforeBackward"),
    backward: dispatch("backward"),
    onAfterBackward: hooks.implemented("onAfterBackward"),
    onBeforeOptimizerStep: hooks.implemented("onBeforeOptimizerStep"),
    optimizerStep: dispatch("optimizerStep"),
    optimizerZeroGrad: dispatch("optimizerZeroGrad"),
    configureGradientClipping: dispatch("configureGradientClipping"),
  };
}
