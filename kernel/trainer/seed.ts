/**
 * `seedEverything(seed)`: makes runs repeatable. TF.js random ops and initializers draw their seed from
 * `Math.random()` when none is given, so we replace `Math.random` with a seeded generator (mulberry32) and give
 * DataLoader shuffling the same seed. Call `seedEverything()` again to reseed; `unseed()` restores `Math.random`.
 */
const nativeRandom = Math.random;
let currentSeed: number | null = null;

/** A small, fast, seedable PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seeded global stream's internal state (so checkpoints can resume the same random numbers). */
let streamState = 0;

function seededRandom(): number {
  streamState = (streamState + 0x6d2b79f5) >>> 0;
  let t = streamState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export function seedEverything(seed = 0): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seedEverything(seed): seed must be an integer in [0, 2^32), got ${String(seed)}`);
  }
  currentSeed = seed;
  streamState = seed >>> 0;
  Math.random = seededRandom;
  return seed;
}

export function unseed(): void {
  currentSeed = null;
  Math.random = nativeRandom;
}

/** Position of the seeded stream, or null when `Math.random` is not ours (unseeded, or replaced by someone else). */
export function randomState(): { seed: number; state: number } | null {
  return currentSeed !== null && Math.random === seededRandom ? { seed: currentSeed, state: streamState } : null;
}

/** Continues the seeded stream from a saved position (checkpoint resume). */
export function setRandomState(saved: { seed: number; state: number }): void {
  seedEverything(saved.seed);
  streamState = saved.state >>> 0;
}

/** The seed set by `seedEverything`, or null. */
export function globalSeed(): number | null {
  return currentSeed;
}
