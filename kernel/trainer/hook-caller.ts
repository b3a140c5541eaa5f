/**
 * The one place that calls hooks. It runs callbacks first (in order) then the module, records the hook currently
 * running (so `log()` can validate against it and errors can name it), and notifies observers (e.g. `HookTrace`).
 */
import { overrides, type Callback } from "./callback";
import type { HookName } from "./hooks";
import { isPromise } from "./maybe-async";

export interface HookEvent {
  hook: HookName | string;
  /** "callback" or "module". */
  target: "callback" | "module";
  /** Class name of the callback or module. */
  owner: string;
  args: readonly unknown[];
}
export type HookObserver = (event: HookEvent) => void;

export class HookCaller {
  private readonly stack: string[] = [];
  /** Promises returned by hooks fired synchronously (inside manualBackward/step); awaited before the batch ends. */
  private pending: Promise<unknown>[] = [];
  private readonly implementersByHook = new Map<string, readonly Callback[]>();
  private implementersKey: { list: readonly Callback[] | null; length: number; observers: number } = { list: null, length: 0, observers: 0 };

  constructor(
    private readonly trainer: unknown,
    private readonly module: object,
    private readonly callbacks: () => readonly Callback[],
    readonly observers: HookObserver[],
  ) {}

  /** The hook running now (innermost), e.g. "trainingStep". */
  get current(): string | null {
    return this.stack.length ? this.stack[this.stack.length - 1] : null;
  }

  /**
   * Calls `fn` on `self` with `hook` recorded as current until it finishes: a synchronous hook returns its value
   * directly (no promise, no microtask — ~40 hook calls per batch made the async form measurable), an async one keeps
   * the record until its promise settles.
   */
  private invoke(hook: string, fn: Function, self: object, args: readonly unknown[]): unknown {
    this.stack.push(hook);
    let r: unknown;
    try {
      r = fn.apply(self, args);
    } catch (e) {
      this.stack.pop();
      throw e;
    }
    if (!isPromise(r)) {
      this.stack.pop();
      return r;
    }
    return r.finally(() => this.stack.pop());
  }

  /**
   * Calls `hook` on every callback (or those selected by `filter`). Returns a promise only when some callback's hook
   * is async; callers `await` either way.
   */
  callbackHook(hook: keyof Callback & string, args: unknown[], filter?: (cb: Callback) => boolean): void | Promise<void> {
    const cbs = this.implementers(hook);
    return cbs.length === 0 ? undefined : this.callbacksFrom(cbs, 0, hook, args, filter);
  }

  private callbacksFrom(
    cbs: readonly Callback[], start: number, hook: keyof Callback & string, args: unknown[], filter?: (cb: Callback) => boolean,
  ): void | Promise<void> {
    const withOwners = [this.trainer, this.module, ...args];
    for (let i = start; i < cbs.length; i++) {
      const cb = cbs[i];
      if (filter && !filter(cb)) continue;
      this.notify(hook, "callback", cb, args);
      const r = this.invoke(hook, (cb as any)[hook], cb, withOwners);
      // An async hook: the remaining callbacks run after it settles, in order.
      if (isPromise(r)) return r.then(() => this.callbacksFrom(cbs, i + 1, hook, args, filter));
    }
  }

  /** Calls the module's `hook` if it defines one; returns its result (a promise only if the hook is async). */
  moduleHook<T = unknown>(hook: string, args: unknown[]): T | undefined | Promise<T | undefined> {
    const fn = (this.module as any)[hook];
    if (typeof fn !== "function") return undefined;
    this.notify(hook, "module", this.module, args);
    return this.invoke(hook, fn, this.module, args) as T | Promise<T>;
  }

  /** Callbacks, then the module (Lightning's order for paired hooks). Returns the module's result. */
  both<T = unknown>(hook: keyof Callback & string, args: unknown[]): T | undefined | Promise<T | undefined> {
    const r = this.callbackHook(hook, args);
    if (isPromise(r)) return r.then(() => this.moduleHook<T>(hook, args));
    return this.moduleHook<T>(hook, args);
  }

  /** Whether calling `hook` would run anything: a callback implements it (or an observer records it) or the module has it. */
  implemented(hook: keyof Callback & string): boolean {
    return this.implementers(hook).length > 0 || typeof (this.module as any)[hook] === "function";
  }

  /**
   * The callbacks that implement `hook`, in order, worked out once per callback list: the list is looked up again
   * only when the trainer's array or its length changes, or when observers are added.
   */
  private implementers(hook: string): readonly Callback[] {
    const cbs = this.callbacks();
    const key = this.implementersKey;
    if (key.list !== cbs || key.length !== cbs.length || key.observers !== this.observers.length) {
      this.implementersKey = { list: cbs, length: cbs.length, observers: this.observers.length };
      this.implementersByHook.clear();
    }
    let found = this.implementersByHook.get(hook);
    if (!found) {
      // A callback's inherited no-op hook is not called (nothing to run) unless an observer records every call.
      found = cbs.filter((cb) =>
        typeof (cb as any)[hook] === "function" && (this.observers.length > 0 || overrides(cb, hook as keyof Callback)));
      this.implementersByHook.set(hook, found);
    }
    return found;
  }

  /**
   * Fires a paired hook synchronously (used inside `manualBackward` and `opt.step()`, which user code calls without
   * `await`). Async hooks are started in order; their promises are awaited by the loop before the batch ends.
   */
  bothSync(hook: keyof Callback & string, args: unknown[]): void {
    const cbs = this.implementers(hook);
    const withOwners = cbs.length === 0 ? args : [this.trainer, this.module, ...args];
    for (const cb of cbs) {
      this.notify(hook, "callback", cb, args);
      this.track(this.callSync(hook, (cb as any)[hook], cb, withOwners));
    }
    this.moduleHookSync(hook, args);
  }

  moduleHookSync(hook: string, args: unknown[]): unknown {
    const fn = (this.module as any)[hook];
    if (typeof fn !== "function") return undefined;
    this.notify(hook, "module", this.module, args);
    const r = this.callSync(hook, fn, this.module, args);
    this.track(r);
    return r;
  }

  /** `fn` on `self` with `hook` recorded as current while it runs (a promise it returns is not waited for). */
  private callSync(hook: string, fn: Function, self: object, args: readonly unknown[]): unknown {
    this.stack.push(hook);
    try {
      return fn.apply(self, args);
    } finally {
      this.stack.pop();
    }
  }

  /** Awaits the promises of hooks fired synchronously (nothing to wait for: no promise); rethrows the first rejection. */
  settle(): Promise<void> | undefined {
    return this.pending.length === 0 ? undefined : this.settleAll();
  }

  private async settleAll(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      await Promise.all(batch);
    }
  }

  private track(r: unknown): void {
    if (isPromise(r)) {
      const p = Promise.resolve(r);
      p.catch(() => undefined); // surfaced by settle(); avoid an unhandled-rejection crash meanwhile
      this.pending.push(p);
    }
  }

  private notify(hook: string, target: "callback" | "module", owner: object, args: unknown[]): void {
    if (this.observers.length === 0) return;
    const event: HookEvent = { hook, target, owner: owner.constructor?.name ?? "?", args };
    for (const o of this.observers) o(event);
  }
}
