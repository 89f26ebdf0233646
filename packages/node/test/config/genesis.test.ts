import { describe, expect, test } from 'vitest';
import {
  createGenesisJson,
  GenesisError,
  genesisHash,
  genesisToDkgConfig,
  parseGenesis,
  quorumThreshold,
} from '../../src/config/index.ts';
import { generateNodeKeys, publicKeysOf } from '../../src/keys/index.ts';

function seeded(seed: number): (length: number) => Uint8Array {
  let counter = seed * 1000;
  return (length) => Uint8Array.from({ length }, () => (counter++ * 131 + 7) % 256);
}

async function participants(n: number) {
  const entries = [];
  for (let i = 0; i < n; i++) {
    const keys = publicKeysOf(await generateNodeKeys(seeded(i + 1)));
    entries.push({
      peerId: keys.peerId,
      multiaddrs: [`/ip4/127.0.0.1/tcp/${9000 + i}`],
      dkgSigningPublicKey: keys.dkgSigningPublicKey,
      dkgEncryptionPublicKey: keys.dkgEncryptionPublicKey,
      ethereumAddress: keys.ethereumAddress,
    });
  }
  return entries;
}

function genesisError(text: string): GenesisError {
  try {
    parseGenesis(text);
  } catch (error) {
    if (error instanceof GenesisError) return error;
    throw error;
  }
  throw new Error('expected a GenesisError');
}

describe('genesis file', () => {
  test('createGenesisJson → parseGenesis round-trips, with the quorum as threshold', async () => {
    const json = createGenesisJson({
      networkId: 7,
      chainId: 31337,
      dkgNonce: new Uint8Array(32).fill(9),
      participants: await participants(4),
    });
    expect(json.threshold).toBe(3);
    expect(json.participants.map((p) => p.index)).toEqual([0, 1, 2, 3]);
    const genesis = parseGenesis(JSON.stringify(json, null, 2));
    expect(genesis.participants[2]!.multiaddrs).toEqual(['/ip4/127.0.0.1/tcp/9002']);
    const dkg = genesisToDkgConfig(genesis);
    expect(dkg.threshold).toBe(3);
    expect(dkg.participants).toHaveLength(4);
    // The hash ignores formatting and hex case.
    const shouted = JSON.stringify({ ...json, dkgNonce: json.dkgNonce.toUpperCase().replace('0X', '0x') });
    expect(genesisHash(parseGenesis(shouted))).toBe(genesisHash(genesis));
  });

  test('quorumThreshold is the consensus quorum n − f: 2f+1 for n = 3f+1, more otherwise', () => {
    expect([1, 4, 7, 10].map(quorumThreshold)).toEqual([1, 3, 5, 7]);
    expect([5, 6, 8].map(quorumThreshold)).toEqual([4, 5, 6]);
  });

  test('each defect is reported with its code and field', async () => {
    const base = createGenesisJson({
      networkId: 1,
      chainId: 1,
      dkgNonce: new Uint8Array(32),
      participants: await participants(4),
    });
    const variant = (
      change: (g: Record<string, unknown> & { participants: Record<string, unknown>[] }) => void,
    ) => {
      const copy = structuredClone(base) as unknown as Record<string, unknown> & {
        participants: Record<string, unknown>[];
      };
      change(copy);
      return genesisError(JSON.stringify(copy));
    };
    expect(genesisError('{').code).toBe('INVALID_JSON');
    expect(variant((g) => (g.threshold = 4))).toMatchObject({
      code: 'INVALID_THRESHOLD',
      field: 'threshold',
    });
    expect(variant((g) => (g.extra = 1))).toMatchObject({ code: 'UNKNOWN_FIELD', field: 'extra' });
    expect(variant((g) => (g.participants[1]!.typo = 1))).toMatchObject({
      code: 'UNKNOWN_FIELD',
      field: 'participants[1].typo',
    });
    expect(variant((g) => (g.participants[1]!.index = 5))).toMatchObject({ field: 'participants[1].index' });
    expect(variant((g) => (g.participants[2]!.peerId = 'nope'))).toMatchObject({
      field: 'participants[2].peerId',
    });
    expect(variant((g) => (g.participants[3]!.peerId = g.participants[0]!.peerId))).toMatchObject({
      code: 'DUPLICATE',
      field: 'participants[3].peerId',
    });
    expect(variant((g) => (g.participants[0]!.dkgSigningPublicKey = '0x12'))).toMatchObject({
      field: 'participants[0].dkgSigningPublicKey',
    });
    expect(variant((g) => (g.participants[0]!.ethereumAddress = '0x12'))).toMatchObject({
      field: 'participants[0].ethereumAddress',
    });
    expect(
      variant(
        (g) => (g.participants[0]!.multiaddrs = [`/ip4/1.2.3.4/tcp/1/p2p/${g.participants[1]!.peerId}`]),
      ),
    ).toMatchObject({
      field: 'participants[0].multiaddrs[0]',
    });
    expect(variant((g) => (g.dkgNonce = '0x00'))).toMatchObject({ field: 'dkgNonce' });
    expect(variant((g) => (g.version = 2))).toMatchObject({ field: 'version' });
    const message = variant((g) => (g.threshold = 2)).message;
    expect(message).toContain('genesis threshold: must be the quorum n − f = 3');
  });
});
