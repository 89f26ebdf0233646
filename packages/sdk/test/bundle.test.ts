import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The SDK must bundle for browsers: its runtime import graph (from src/index.ts, through the
 * browser-safe workspace entries it imports) may only reach these packages. No node:*, no ws,
 * no native blst / libsecp256k1 / mcl-wasm (which @synod/protocol's main entry loads).
 */
const ALLOWED_PACKAGES = ['viem', '@noble/ciphers', '@noble/curves', '@noble/hashes'];
/** Workspace entries that promise to be browser-safe: the walk follows them into their sources. */
const BROWSER_SAFE_WORKSPACE_ENTRIES = ['@synod/protocol/pure', '@synod/contracts/abi'];
const require = createRequire(import.meta.url);

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/** Runtime import specifiers of a TS module (type-only imports and exports are erased). */
function runtimeImports(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /(?:^|\n)\s*(import|export)\s+(type\s+)?([\s\S]*?)\s+from\s+'([^']+)'/g;
  for (const match of source.matchAll(pattern)) {
    if (match[2] !== undefined) continue;
    specifiers.push(match[4]!);
  }
  for (const match of source.matchAll(/(?:^|\n)\s*import\s+'([^']+)'/g)) specifiers.push(match[1]!);
  for (const match of source.matchAll(/import\(\s*'([^']+)'\s*\)/g)) specifiers.push(match[1]!);
  return specifiers;
}

describe('browser-safe import graph', () => {
  it('reaches only viem and @noble/* from src/index.ts', () => {
    const entry = resolve(dirname(fileURLToPath(import.meta.url)), '../src/index.ts');
    const seen = new Set<string>();
    const packages = new Set<string>();
    const stack = [entry];
    while (stack.length > 0) {
      const file = stack.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const specifier of runtimeImports(readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('.')) stack.push(resolve(dirname(file), specifier));
        else if (BROWSER_SAFE_WORKSPACE_ENTRIES.includes(specifier)) stack.push(require.resolve(specifier));
        else packages.add(packageOf(specifier));
      }
    }
    expect([...packages].filter((name) => !ALLOWED_PACKAGES.includes(name))).toEqual([]);
    // Sanity: the walk did reach into the protocol package.
    expect([...seen].some((file) => file.includes('/protocol/src/hashing/vote.ts'))).toBe(true);
    // bls/constants.ts (curve order, ciphersuite tags) imports nothing; the rest of bls/ is blst.
    expect(
      [...seen].some((file) => file.includes('/protocol/src/bls/') && !file.endsWith('/bls/constants.ts')),
    ).toBe(false);
  });
});
