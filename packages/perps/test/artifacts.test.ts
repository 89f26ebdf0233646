import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as artifacts from '../src/artifacts.ts';
import { compilePerpsContracts, PACKAGES_DIRECTORY, PERPS_ARTIFACTS } from '../src/compile.ts';
import * as constants from '../src/model/constants.ts';

describe('committed artifacts', () => {
  it('match a fresh compilation of contracts/**/*.sol (run `pnpm --filter @synod/perps build` if not)', () => {
    const compiled = compilePerpsContracts();
    const exported = artifacts as Record<string, unknown>;
    for (const [, name, prefix] of PERPS_ARTIFACTS) {
      const contract = compiled.get(name)!;
      expect(exported[`${prefix}Abi`], `${name} ABI`).toEqual(contract.abi);
      if (contract.bytecode !== '0x')
        expect(exported[`${prefix}Bytecode`], `${name} bytecode`).toBe(contract.bytecode);
    }
  });
});

/** Evaluates the constant expressions PerpsTypes.sol uses, in bigint. */
function evaluate(expression: string): bigint {
  const source = expression
    .replace(/type\(uint128\)\.max/g, '(2n ** 128n - 1n)')
    .replace(/(\d+) hours/g, '($1n * 3600n)')
    .replace(/(\d+) days/g, '($1n * 86400n)')
    .replace(/(\d+)e(\d+)/g, '(10n ** $2n * $1n)')
    .replace(/_/g, '')
    .replace(/\b(\d+)\b(?!n)/g, '$1n');
  return new Function(`return ${source};`)() as bigint;
}

describe('constants', () => {
  it('are the same in src/model/constants.ts and contracts/PerpsTypes.sol', () => {
    const solidity = readFileSync(join(PACKAGES_DIRECTORY, 'perps', 'contracts', 'PerpsTypes.sol'), 'utf8');
    const declared = new Map(
      [...solidity.matchAll(/^(?:uint8|uint256) constant (\w+) = ([^;]+);/gm)].map((match) => [
        match[1]!,
        evaluate(match[2]!),
      ]),
    );
    const typescript = constants as Record<string, unknown>;
    const names = [
      'PAYLOAD_VERSION',
      'MAX_MARKETS',
      'MIN_INITIAL_MARGIN_BPS',
      'MAX_INITIAL_MARGIN_BPS',
      'MAX_POSITION_SIZE',
      'MAX_OPEN_INTEREST',
      'MAX_SCALE',
      'MAX_PRICE',
      'MAX_ORDERS_PER_BATCH',
      'MAX_LIQUIDATIONS_PER_CALL',
      'MAX_TRIGGERS_PER_CALL',
      'MAX_RESTING_ORDERS_PER_ACCOUNT',
      'MIN_ESCAPE_TIMEOUT_SECONDS',
      'MAX_ESCAPE_TIMEOUT_SECONDS',
      'MAX_HELD_COLLATERAL',
      'BPS',
      'FLAG_REDUCE_ONLY',
      'FLAG_REST',
    ];
    for (const name of names)
      expect(BigInt(typescript[name] as bigint | number), name).toBe(declared.get(name));
    for (const [kind, value] of Object.entries(constants.PayloadKind)) {
      const solidityName = `KIND_${kind.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;
      expect(BigInt(value), solidityName).toBe(declared.get(solidityName));
    }
  });
});
