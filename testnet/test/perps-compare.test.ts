import { describe, expect, test } from 'vitest';
import { type AccountOutcome, compareOutcomes } from '../src/perps-compare.ts';

const account = (role: string, collateral: string, positions: string[] = ['0@0', '0@0']): AccountOutcome => ({
  role,
  collateral,
  claimable: '0',
  vaultShares: '0',
  positions,
});

describe('compareOutcomes (pnpm perps:compare)', () => {
  test('equal accounts, trader by trader: no difference', () => {
    const honest = [account('LP', '0'), account('trader 0 (ETH/USD)', '9990', ['5@300000000000', '0@0'])];
    expect(compareOutcomes(honest, structuredClone(honest))).toEqual([]);
  });

  test('names every field that differs, with both values, and a missing account', () => {
    const honest = [
      account('trader 0 (ETH/USD)', '9990', ['5@300000000000', '0@0']),
      account('trader 1 (BTC/USD)', '10000'),
    ];
    const byzantine = [account('trader 0 (ETH/USD)', '9980', ['4@300000000000', '0@0'])];
    expect(compareOutcomes(honest, byzantine)).toEqual([
      '1 accounts, the honest run 2',
      'trader 0 (ETH/USD) collateral: honest "9990", this run "9980"',
      'trader 0 (ETH/USD) positions: honest ["5@300000000000","0@0"], this run ["4@300000000000","0@0"]',
    ]);
  });
});
