import { describe, expect, it } from 'vitest';
import * as artifacts from '../src/artifacts.ts';
import { ARTIFACT_CONTRACTS, compileContracts } from '../src/compile.ts';

describe('committed artifacts', () => {
  it('match a fresh compilation of contracts/*.sol (run `pnpm --filter @synod/contracts build` if not)', () => {
    const compiled = compileContracts();
    const exported = artifacts as Record<string, unknown>;
    for (const [, name, prefix] of ARTIFACT_CONTRACTS) {
      const contract = compiled.get(name)!;
      expect(exported[`${prefix}Abi`], `${name} ABI`).toEqual(contract.abi);
      if (contract.bytecode !== '0x')
        expect(exported[`${prefix}Bytecode`], `${name} bytecode`).toBe(contract.bytecode);
    }
    const expectedExports = ARTIFACT_CONTRACTS.flatMap(([, name, prefix]) =>
      compiled.get(name)!.bytecode === '0x' ? [`${prefix}Abi`] : [`${prefix}Abi`, `${prefix}Bytecode`],
    );
    expect(Object.keys(exported).sort()).toEqual(expectedExports.sort());
  });
});
