import {
  COMMITTEE_NAMESPACE,
  type Hex,
  insecureTrustedDealer,
  insecureTrustedRedeal,
  partialSign,
  recoverGroupSignature,
  type SignedTransaction,
  toLowerHex,
  transitionMessage,
  transitionRecordCodec,
  VoteKind,
  voteMessageBytes,
} from '@synod/protocol';
import { describe, expect, it } from 'vitest';
import { NIL_BLOCK_ID } from '../../src/consensus/core.ts';
import type { EpochCommittee } from '../../src/driver/types.ts';
import { createBlsTransitions } from '../../src/epochs/transitions.ts';

const NETWORK_ID = 7;
const seed = (label: string) => new TextEncoder().encode(label.padEnd(32, '.'));
const genesis = insecureTrustedDealer(4, 3, seed('genesis'));
const next = insecureTrustedRedeal(genesis, 5, 4, seed('epoch 1'));
const current = { epoch: 0, validatorIndex: 0, validatorCount: 4 } as EpochCommittee;

function recordTx(payload: Hex): SignedTransaction {
  // The acceptor reads the payload only: the transaction's own signature was checked to finalize it.
  return {
    networkId: NETWORK_ID,
    namespace: COMMITTEE_NAMESPACE,
    sender: `0x${'11'.repeat(20)}`,
    nonce: 0n,
    payload,
    validUntil: 0n,
    signature: `0x${'00'.repeat(65)}`,
  };
}

function signedRecord(epoch = 1): Hex {
  const unsigned = { epoch, validatorCount: 5, commitments: next.commitments };
  const message = transitionMessage(NETWORK_ID, unsigned);
  const signature = recoverGroupSignature(
    genesis.shares
      .slice(0, 3)
      .map((share) => ({ index: share.index, signature: partialSign(share.secretKey, message) })),
    3,
  );
  return toLowerHex(transitionRecordCodec.encode({ ...unsigned, signature }));
}

const body = { kind: VoteKind.Prevote, networkId: NETWORK_ID, height: 20, round: 0, blockId: NIL_BLOCK_ID };

describe('BLS committee transitions', () => {
  it('a valid record makes a member of the new epoch sign with its new share, checked against the new share keys', async () => {
    const acceptor = createBlsTransitions({
      networkId: NETWORK_ID,
      groupPublicKey: genesis.groupPublicKey,
      shareOf: async (epoch) =>
        epoch === 1 ? { validatorIndex: 4, shareSecretKey: next.shares[4]!.secretKey } : undefined,
    });
    const committee = (await acceptor.accept(recordTx(signedRecord()), current))!;
    expect(committee).toMatchObject({ epoch: 1, validatorIndex: 4, validatorCount: 5 });
    const signature = committee.crypto.signVote(body);
    expect(committee.crypto.verifyVote(4, body, signature)).toBe(true);
    expect(committee.crypto.verifyVote(3, body, signature)).toBe(false);
    // A genesis share no longer passes in the new epoch.
    expect(
      committee.crypto.verifyVote(0, body, partialSign(genesis.shares[0]!.secretKey, voteMessageBytes(body))),
    ).toBe(false);
  });

  it('a node without a share of the new epoch (or with one the record does not commit to) follows it without signing', async () => {
    const leaver = (await createBlsTransitions({
      networkId: NETWORK_ID,
      groupPublicKey: genesis.groupPublicKey,
      shareOf: async () => undefined,
    }).accept(recordTx(signedRecord()), current))!;
    expect(leaver.validatorIndex).toBe(-1);
    expect(() => leaver.crypto.signVote(body)).toThrow(/not a member/);
    const wrong = (await createBlsTransitions({
      networkId: NETWORK_ID,
      groupPublicKey: genesis.groupPublicKey,
      // A genesis share under the epoch-1 index: not what the record commits to.
      shareOf: async () => ({ validatorIndex: 1, shareSecretKey: genesis.shares[1]!.secretKey }),
    }).accept(recordTx(signedRecord()), current))!;
    expect(wrong).toMatchObject({ epoch: 1, validatorIndex: -1, validatorCount: 5 });
  });

  it('anything else in the committee namespace is an ordinary transaction: garbage, another epoch, another network', async () => {
    const acceptor = (networkId = NETWORK_ID) =>
      createBlsTransitions({
        networkId,
        groupPublicKey: genesis.groupPublicKey,
        shareOf: async () => undefined,
      });
    expect(await acceptor().accept(recordTx('0xdeadbeef'), current)).toBeUndefined();
    expect(await acceptor().accept(recordTx('0x'), current)).toBeUndefined();
    expect(await acceptor().accept(recordTx(signedRecord(2)), current)).toBeUndefined();
    expect(await acceptor(NETWORK_ID + 1).accept(recordTx(signedRecord()), current)).toBeUndefined();
    expect(await acceptor().accept(recordTx(signedRecord()), { ...current, epoch: 1 })).toBeUndefined();
  });
});
