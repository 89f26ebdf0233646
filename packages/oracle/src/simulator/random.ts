/**
 * Seeded randomness for the price simulator, in 32-bit integer math only (no Math.random, no
 * float rounding that could differ between machines): the same seed gives the same market on
 * every run, so a failing test or testnet run replays from its seed.
 */

/** FNV-1a over the UTF-8-agnostic char codes of `text`: a 32-bit seed from any string. */
export function hashToU32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A 32-bit finalizer (murmur3 fmix32): turns a counter-derived state into an unbiased-looking word. */
function mix32(value: number): number {
  let x = value >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * The `index`-th 32-bit word of the stream named by `key`: random access, so any tick's draw
 * is computed without replaying the ones before it.
 */
export function randomU32(key: number, index: number): number {
  return mix32((key ^ mix32(index + 0x9e3779b9)) >>> 0);
}

/**
 * A uniform integer in [−bound, bound] from a 32-bit word. (2·bound+1)·2³² stays below 2⁵³ for
 * bound < 2²⁰, so the product is exact; dividing by 2³² (a power of two) is exact too.
 */
export function symmetricInt(word: number, bound: number): number {
  if (!(Number.isSafeInteger(bound) && bound >= 0 && bound < 2 ** 20)) {
    throw new Error(`assertion failed: symmetricInt bound ${bound} outside 0..2^20`);
  }
  return Math.floor((word * (2 * bound + 1)) / 2 ** 32) - bound;
}
