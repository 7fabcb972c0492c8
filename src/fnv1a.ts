/**
 * FNV-1a, 32 bits: a stable, dependency-free hash for telling short strings apart (not for
 * security). Plain arithmetic, so workflow code (no Node builtins in Temporal's sandbox) may use it.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
