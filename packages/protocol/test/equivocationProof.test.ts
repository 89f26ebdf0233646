import { describe, expect, it } from 'vitest';
import { insecureTrustedDealer, partialSign, verifyPartial } from '../src/bls/index.ts';
import {
  EquivocationProofCodec,
  EvidenceCodec,
  equivocationProofOf,
  equivocationProofVotes,
} from '../src/consensus/codecs.ts';
import type { Evidence, Vote } from '../src/consensus/types.ts';
import type { DecodeError } from '../src/errors.ts';
import { voteMessageBytes } from '../src/hashing/index.ts';
import { VoteKind } from '../src/types.ts';

// Evidence in blocks (docs/protocol.md): the offence without its extensions, in one transaction.

const dealing = insecureTrustedDealer(4, 3, new TextEncoder().encode('equivocation proof'.padEnd(32, '.')));
const share = dealing.shares[2]!;

function vote(blockByte: string): Vote {
  const body = {
    kind: VoteKind.Precommit,
    networkId: 7,
    height: 12,
    round: 1,
    blockId: `0x${blockByte.repeat(32)}` as const,
  };
  return {
    ...body,
    validatorIndex: 2,
    signature: partialSign(share.secretKey, voteMessageBytes(body)),
    extension: {
      ...body,
      validatorIndex: 2,
      timestampMs: 1,
      inclusionList: Array.from({ length: 100 }, (_, i) => ({
        txId: `0x${i.toString(16).padStart(64, '0')}` as const,
        firstSeenMs: i,
      })),
      prices: [],
      signature: new Uint8Array(96),
    },
  };
}

const evidence: Evidence = { first: vote('aa'), second: vote('bb') };

describe('equivocation proofs', () => {
  it('keep what proves the offence and fit a transaction, where the evidence with its extensions does not', () => {
    const bytes = EquivocationProofCodec.encode(equivocationProofOf(evidence));
    expect(bytes.length).toBe(2 + 1 + 8 + 8 + 4 + 4 + 2 * 128);
    expect(EvidenceCodec.encode(evidence).length).toBeGreaterThan(4096);
    const proof = EquivocationProofCodec.decode(bytes);
    const votes = equivocationProofVotes(proof);
    expect(votes.map((v) => v.blockId)).toEqual([evidence.first.blockId, evidence.second.blockId]);
    for (const v of votes)
      expect(verifyPartial(share.publicKey, voteMessageBytes(v), v.signature)).toBe(true);
    // Another validator's key does not verify them.
    expect(verifyPartial(dealing.shares[0]!.publicKey, voteMessageBytes(votes[0]), votes[0].signature)).toBe(
      false,
    );
  });

  it('decode only the canonical form: two different blocks, in order', () => {
    const proof = equivocationProofOf(evidence);
    const swapped = { ...proof, votes: [proof.votes[1], proof.votes[0]] as typeof proof.votes };
    const same = { ...proof, votes: [proof.votes[0], proof.votes[0]] as typeof proof.votes };
    for (const bad of [swapped, same]) {
      let code: string | undefined;
      try {
        EquivocationProofCodec.decode(EquivocationProofCodec.encode(bad));
      } catch (error) {
        code = (error as DecodeError).code;
      }
      expect(code).toBe('INVALID_VALUE');
    }
  });
});
