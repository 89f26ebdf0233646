import { describe, expect, test } from 'vitest';
import type { CommitteeJson } from '../src/node-api.ts';
import { decideReuse, type TestnetState } from '../src/state.ts';

const state: TestnetState = {
  version: 1,
  nodes: 2,
  basePort: 20000,
  networkId: 1337,
  chainId: 31337,
  genesisHash: '0xaa',
  groupPublicKey: '0xbb',
  participants: [],
};
const committee = {
  genesisHash: '0xaa',
  groupPublicKey: '0xbb',
  members: [{}, {}],
} as unknown as CommitteeJson;
const wanted = { nodes: 2, basePort: 20000 };

describe('decideReuse', () => {
  test('reuses a complete testnet of the same shape', () => {
    expect(decideReuse(state, [committee, committee], [true, true], wanted)).toEqual({
      kind: 'reuse',
      state,
    });
  });

  test('creates one when there is none', () => {
    expect(decideReuse(undefined, [], [], wanted).kind).toBe('create');
  });

  test('re-creates after an interrupted DKG (a committee or keystore missing or of another DKG)', () => {
    expect(decideReuse(state, [committee, undefined], [true, true], wanted).kind).toBe('create');
    expect(decideReuse(state, [committee, committee], [true, false], wanted).kind).toBe('create');
    const other = { ...committee, groupPublicKey: '0xcc' } as CommitteeJson;
    expect(decideReuse(state, [committee, other], [true, true], wanted).kind).toBe('create');
  });

  test('never replaces a complete testnet of another shape without --reset', () => {
    const decision = decideReuse(state, [committee, committee], [true, true], { nodes: 4, basePort: 20000 });
    expect(decision.kind).toBe('conflict');
    expect(decision.kind === 'conflict' && decision.reason).toMatch(/--reset/);
    expect(decideReuse(state, [committee, committee], [true, true], { nodes: 2, basePort: 21000 }).kind).toBe(
      'conflict',
    );
  });
});
