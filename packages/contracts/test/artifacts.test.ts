import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as artifacts from '../src/artifacts.ts';
import {
  ARTIFACT_CONTRACTS,
  CONTRACT_FOLDERS,
  CONTRACTS_DIRECTORY,
  compileContracts,
} from '../src/compile.ts';

describe('committed artifacts', () => {
  it('match a fresh compilation of contracts/{core,adapters,test}/*.sol (run `pnpm --filter @synod/contracts build` if not)', () => {
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

  it('come from contracts/ holding only its folders, so no source is left uncompiled', () => {
    expect(readdirSync(CONTRACTS_DIRECTORY).sort()).toEqual([...CONTRACT_FOLDERS].sort());
    for (const folder of CONTRACT_FOLDERS) {
      for (const entry of readdirSync(join(CONTRACTS_DIRECTORY, folder), { withFileTypes: true }))
        expect(entry.isFile() && entry.name.endsWith('.sol'), `${folder}/${entry.name}`).toBe(true);
    }
    for (const [file] of ARTIFACT_CONTRACTS) expect(CONTRACT_FOLDERS).toContain(file.split('/')[0]);
  });
});
