/**
 * The hooks Lightning fires around backward and the optimizer step that most runs leave unimplemented: whether a
 * callback (or an observer such as HookTrace) or the module has each, decided once per fit. A batch then skips the
 * dispatch of the rest — up to ten calls per batch in a two-optimizer GAN, each an argument array, a hook record and
 * a callback-list lookup on caches the step's kernels left cold.
 */
import type { HookCaller } from "../hook-caller";

export interface OptionalHooks {
  onBeforeZeroGrad: boolean;
  onBeforeBackward: boolean;
  /** The module's `backward`: LightningModule's own is a no-op (TF.js computed the gradients already). */
  backward: boolean;
  onAfterBackward: boolean;
  onBeforeOptimizerStep: boolean;
}

/** Every hook fires: outside a planned fit (and before the plan), nothing is skipped. */
export const ALL_HOOKS: OptionalHooks = Object.freeze({
  onBeforeZeroGrad: true,
  onBeforeBackward: true,
  backward: true,
  onAfterBackward: true,
  onBeforeOptimizerStep: true,
});

export function optionalHooks(hooks: HookCaller, module: { _keepsDefault(hook: "backward"): boolean }): OptionalHooks {
  return {
    onBeforeZeroGrad: hooks.implemented("onBeforeZeroGrad"),
    onBeforeBackward: hooks.implemented("onBeforeBackward"),
    backward: hooks.observers.length > 0 || !module._keepsDefault("backward"),
    onAfterBackward: hooks.implemented("onAfterBackward"),
    onBeforeOptimizerStep: hooks.implemented("onBeforeOptimizerStep"),
  };
}
