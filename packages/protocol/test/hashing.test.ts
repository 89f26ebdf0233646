import fc from 'fast-check';
import { encodeAbiParameters, type Hex, keccak256, parseAbiParameters, toBytes } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  COMMITTEE_TAG,
  EXTENSION_TAG,
  HEADER_TAG,
  HEADER_VERSION,
  PROPOSAL_TAG,
  VOTE_TAG,
} from '../src/constants.ts';
import { SynodProtocolError } from '../src/errors.ts';
import {
  certificateMessage,
  encodeHeaderAbi,
  HeaderError,
  headerHash,
  VoteError,
  voteMessage,
} from '../src/hashing/index.ts';
import { type BlockHeader, type NetworkDomain, VoteKind } from '../src/types.ts';
import { blockHeaderArbitrary, hash32Arbitrary, networkDomainArbitrary } from './support/arbitraries.ts';

/** The Solidity struct of docs/protocol.md, written out independently of the implementation. */
const HEADER_STRUCT =
  '(uint16 version, uint64 networkId, uint64 epoch, uint64 height, bytes32 parentHash, uint64 timestampMs, ' +
  'bytes32 txRoot, uint32 txCount, bytes32 namespaceRoot, uint32 namespaceCount, ' +
  'bytes32 priceRoot, uint32 priceCount, bytes32 historyRoot, uint32 proposerIndex)';

function viemHeaderAbi(header: BlockHeader): Hex {
  return encodeAbiParameters(parseAbiParameters(HEADER_STRUCT), [
    {
      ...header,
      networkId: BigInt(header.networkId),
      epoch: BigInt(header.epoch),
      height: BigInt(header.height),
      timestampMs: BigInt(header.timestampMs),
    },
  ]);
}

function viemHeaderHash(header: BlockHeader, domain: NetworkDomain): Hex {
  const encoded = encodeAbiParameters(parseAbiParameters(`bytes32, uint256, address, ${HEADER_STRUCT}`), [
    HEADER_TAG,
    BigInt(domain.chainId),
    domain.inbox,
    {
      ...header,
      networkId: BigInt(header.networkId),
      epoch: BigInt(header.epoch),
      height: BigInt(header.height),
      timestampMs: BigInt(header.timestampMs),
    },
  ]);
  return keccak256(encoded);
}

const headerAndDomain = fc
  .tuple(blockHeaderArbitrary, networkDomainArbitrary)
  .map(([header, domain]) => ({ header, domain: { ...domain, networkId: header.networkId } }));

const domain: NetworkDomain = {
  networkId: 7,
  chainId: 31337,
  inbox: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
};
const header: BlockHeader = {
  version: HEADER_VERSION,
  networkId: 7,
  epoch: 1,
  height: 10,
  parentHash: `0x${'01'.repeat(32)}`,
  timestampMs: 1_700_000_000_123,
  txRoot: `0x${'02'.repeat(32)}`,
  txCount: 3,
  namespaceRoot: `0x${'05'.repeat(32)}`,
  namespaceCount: 2,
  priceRoot: `0x${'03'.repeat(32)}`,
  priceCount: 2,
  historyRoot: `0x${'04'.repeat(32)}`,
  proposerIndex: 1,
};

describe('domain tags', () => {
  it('are keccak256 of their strings and all distinct', () => {
    const tags = { HEADER_TAG, VOTE_TAG, EXTENSION_TAG, PROPOSAL_TAG, COMMITTEE_TAG };
    const names = {
      HEADER_TAG: 'header',
      VOTE_TAG: 'vote',
      EXTENSION_TAG: 'extension',
      PROPOSAL_TAG: 'proposal',
    };
    for (const [name, kind] of Object.entries(names)) {
      expect(tags[name as keyof typeof tags]).toBe(keccak256(toBytes(`synod/${kind}/v1`)));
    }
    expect(COMMITTEE_TAG).toBe(keccak256(toBytes('synod/committee/v1')));
    expect(new Set(Object.values(tags)).size).toBe(5);
  });
});

describe('header ABI encoding and hash', () => {
  it('encodeHeaderAbi equals viem abi.encode of the Solidity struct', () => {
    fc.assert(
      fc.property(blockHeaderArbitrary, (h) => {
        expect(encodeHeaderAbi(h)).toBe(viemHeaderAbi(h));
      }),
    );
  });

  it('headerHash equals keccak256(abi.encode(HEADER_TAG, chainId, inbox, header)) computed by viem', () => {
    fc.assert(
      fc.property(headerAndDomain, ({ header: h, domain: d }) => {
        expect(headerHash(h, d)).toBe(viemHeaderHash(h, d));
      }),
    );
  });

  it('changes with every header field', () => {
    const base = headerHash(header, domain);
    const otherHash = `0x${'ff'.repeat(32)}` as const;
    const changes: Partial<BlockHeader>[] = [
      { epoch: 2 },
      { height: 11 },
      { parentHash: otherHash },
      { timestampMs: header.timestampMs + 1 },
      { txRoot: otherHash },
      { txCount: 4 },
      { namespaceRoot: otherHash },
      { namespaceCount: 3 },
      { priceRoot: otherHash },
      { priceCount: 3 },
      { historyRoot: otherHash },
      { proposerIndex: 2 },
    ];
    const hashes = changes.map((change) => headerHash({ ...header, ...change }, domain));
    hashes.push(headerHash({ ...header, networkId: 8 }, { ...domain, networkId: 8 }));
    expect(new Set([base, ...hashes]).size).toBe(changes.length + 2);
  });

  it('binds the chain id and the inbox address', () => {
    const base = headerHash(header, domain);
    expect(headerHash(header, { ...domain, chainId: 1 })).not.toBe(base);
    expect(headerHash(header, { ...domain, inbox: '0x5fbdb2315678afecb367f032d93f642f64180aa4' })).not.toBe(
      base,
    );
    // The address's case does not matter: it is the same address.
    expect(headerHash(header, { ...domain, inbox: '0x5FbDB2315678afecb367f032d93F642f64180aa3' })).toBe(base);
  });

  it('rejects invalid headers with a typed code', () => {
    const codeOf = (change: Partial<BlockHeader>, d: NetworkDomain = domain) => {
      try {
        headerHash({ ...header, ...change }, d);
      } catch (error) {
        expect(error).toBeInstanceOf(HeaderError);
        return (error as HeaderError).code;
      }
      return 'accepted';
    };
    expect(codeOf({ version: 1 })).toBe('UNKNOWN_VERSION');
    expect(codeOf({ version: 3 })).toBe('UNKNOWN_VERSION');
    expect(codeOf({ height: 0 })).toBe('OUT_OF_RANGE');
    expect(codeOf({ epoch: -1 })).toBe('OUT_OF_RANGE');
    expect(codeOf({ timestampMs: 1.5 })).toBe('OUT_OF_RANGE');
    expect(codeOf({ timestampMs: 2 ** 53 })).toBe('OUT_OF_RANGE');
    expect(codeOf({ txCount: 2 ** 32 })).toBe('OUT_OF_RANGE');
    expect(codeOf({ namespaceCount: 2 ** 32 })).toBe('OUT_OF_RANGE');
    expect(codeOf({ namespaceCount: -1 })).toBe('OUT_OF_RANGE');
    expect(codeOf({ priceCount: -1 })).toBe('OUT_OF_RANGE');
    expect(codeOf({ proposerIndex: 2 ** 32 })).toBe('OUT_OF_RANGE');
    expect(codeOf({ parentHash: '0x1234' })).toBe('MALFORMED_HASH');
    expect(codeOf({ historyRoot: `0x${'zz'.repeat(32)}` })).toBe('MALFORMED_HASH');
    expect(codeOf({ namespaceRoot: '0x00' })).toBe('MALFORMED_HASH');
    expect(codeOf({ networkId: 8 })).toBe('WRONG_NETWORK');
    expect(() => encodeHeaderAbi({ ...header, txCount: 2 ** 32 })).toThrow(HeaderError);
  });

  it('treats an invalid domain as a bug (assertion), not as the header sender’s fault', () => {
    for (const bad of [{ chainId: 0 }, { inbox: '0x12' as const }, { networkId: -1 }]) {
      let thrown: unknown;
      try {
        headerHash(header, { ...domain, ...bad });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(Error);
      expect(thrown).not.toBeInstanceOf(SynodProtocolError);
    }
  });
});

describe('vote and certificate messages', () => {
  const voteAbi = parseAbiParameters('bytes32, uint8, uint64, uint64, uint32, bytes32');

  it('voteMessage equals keccak256(abi.encode(VOTE_TAG, kind, networkId, height, round, blockId)) computed by viem', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(VoteKind.Prevote, VoteKind.Precommit),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.nat({ max: 0xffff_ffff }),
        hash32Arbitrary,
        (kind, networkId, height, round, blockId) => {
          const expected = keccak256(
            encodeAbiParameters(voteAbi, [VOTE_TAG, kind, BigInt(networkId), BigInt(height), round, blockId]),
          );
          expect(voteMessage({ kind, networkId, height, round, blockId })).toBe(expected);
        },
      ),
    );
  });

  it('separates prevotes from precommits and nil votes from block votes', () => {
    const vote = { networkId: 7, height: 3, round: 0, blockId: headerHash(header, domain) };
    const nil = `0x${'00'.repeat(32)}` as const;
    const messages = new Set([
      voteMessage({ ...vote, kind: VoteKind.Prevote }),
      voteMessage({ ...vote, kind: VoteKind.Precommit }),
      voteMessage({ ...vote, kind: VoteKind.Prevote, blockId: nil }),
      voteMessage({ ...vote, kind: VoteKind.Precommit, blockId: nil }),
    ]);
    expect(messages.size).toBe(4);
  });

  it('certificateMessage is the precommit message over headerHash, bound to the round', () => {
    const expected = voteMessage({
      kind: VoteKind.Precommit,
      networkId: header.networkId,
      height: header.height,
      round: 4,
      blockId: headerHash(header, domain),
    });
    expect(certificateMessage(header, domain, 4)).toBe(expected);
    expect(certificateMessage(header, domain, 5)).not.toBe(expected);
    expect(certificateMessage(header, { ...domain, chainId: 1 }, 4)).not.toBe(expected);
  });

  it('rejects invalid vote fields with a typed code', () => {
    const vote = { kind: VoteKind.Prevote, networkId: 7, height: 3, round: 0, blockId: header.txRoot };
    const codeOf = (change: Record<string, unknown>) => {
      try {
        voteMessage({ ...vote, ...change } as typeof vote);
      } catch (error) {
        expect(error).toBeInstanceOf(VoteError);
        return (error as VoteError).code;
      }
      return 'accepted';
    };
    expect(codeOf({ kind: 3 })).toBe('INVALID_KIND');
    expect(codeOf({ kind: 0 })).toBe('INVALID_KIND');
    expect(codeOf({ round: 2 ** 32 })).toBe('OUT_OF_RANGE');
    expect(codeOf({ height: 0 })).toBe('OUT_OF_RANGE');
    expect(codeOf({ networkId: 2 ** 53 })).toBe('OUT_OF_RANGE');
    expect(codeOf({ blockId: '0xabcd' })).toBe('MALFORMED_HASH');
    expect(() => certificateMessage(header, domain, -1)).toThrow(VoteError);
  });
});
