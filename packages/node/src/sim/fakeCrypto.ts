import type {
  DecryptionShares,
  DecryptionSharesBody,
  Proposal,
  SignedVoteExtension,
  UnsignedProposal,
  VoteBody,
  VoteExtension,
} from '@synod/protocol';
import { committeeSize } from '@synod/protocol';
import type { ConsensusCrypto } from '../consensus/types.ts';
import { fingerprint } from './random.ts';

/**
 * A fast deterministic stand-in for threshold BLS, for the simulator only. A "signature" is a
 * 96-byte value whose first 16 bytes are a keyed fingerprint of the message; verification
 * recomputes it with the signer's key. Byzantine actors are only ever handed their own signer,
 * so they cannot forge (the same assumption real BLS gives). Combining mimics Lagrange
 * interpolation: t distinct valid partials give the group signature, anything less gives a
 * value that does not verify. One run in twenty uses the real BLS implementation instead.
 */

export interface FakeCommittee {
  validatorCount: number;
  threshold: number;
  validatorKeys: string[];
  groupKey: string;
}

/**
 * The committee of `epoch`: every epoch of a run has the same group key (a reshare keeps it) and
 * its own share keys.
 */
export function createFakeCommittee(validatorCount: number, seed: number, epoch = 0): FakeCommittee {
  const shareLabel = epoch === 0 ? `share/${seed}` : `share/${seed}/e${epoch}`;
  return {
    validatorCount,
    threshold: committeeSize(validatorCount).quorum,
    validatorKeys: Array.from({ length: validatorCount }, (_, i) => fingerprint(`${shareLabel}/${i}`)),
    groupKey: fingerprint(`group/${seed}`),
  };
}

/** The stand-in of a transition record's group signature: a keyed fingerprint under the group key. */
export function fakeTransitionSignature(
  committee: FakeCommittee,
  epoch: number,
  validatorCount: number,
): string {
  return fingerprint(`${committee.groupKey}|transition/${epoch}/${validatorCount}`);
}

function signatureOf(key: string, message: string): Uint8Array {
  const digest = fingerprint(`${key}|${message}`) + fingerprint(`${message}|${key}`);
  const signature = new Uint8Array(96);
  for (let i = 0; i < 16; i++) signature[i] = Number.parseInt(digest.slice(2 * i, 2 * i + 2), 16);
  return signature;
}

function equalSignatures(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== 96 || b.length !== 96) return false;
  for (let i = 0; i < 96; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function voteKey(body: VoteBody): string {
  return `vote/${body.kind}/${body.networkId}/${body.height}/${body.round}/${body.blockId}`;
}

function extensionKey(extension: VoteExtension): string {
  let key = `ext/${extension.networkId}/${extension.height}/${extension.round}/${extension.blockId}/${extension.validatorIndex}/${extension.timestampMs}`;
  for (const entry of extension.inclusionList) key += `/${entry.txId}:${entry.firstSeenMs}`;
  for (const price of extension.prices) key += `/${price.feedId}=${price.price}`;
  return key;
}

function hexOfSignature(signature: Uint8Array): string {
  let out = '';
  for (let i = 0; i < 16; i++) out += signature[i]!.toString(16).padStart(2, '0');
  return out;
}

function proposalKey(proposal: UnsignedProposal): string {
  const h = proposal.header;
  let key = `proposal/${proposal.networkId}/${proposal.height}/${proposal.round}/${proposal.validRound}/${proposal.proposerIndex}`;
  key += `/${h.version}/${h.networkId}/${h.epoch}/${h.height}/${h.parentHash}/${h.timestampMs}/${h.txRoot}/${h.txCount}`;
  key += `/${h.namespaceRoot}/${h.namespaceCount}/${h.priceRoot}/${h.priceCount}/${h.historyRoot}/${h.proposerIndex}`;
  for (const txId of proposal.transactionIds) key += `/${txId}`;
  for (const price of proposal.prices) key += `/${price.feedId}=${price.answer}`;
  if (proposal.validRoundCertificate !== null)
    key += `/cert:${hexOfSignature(proposal.validRoundCertificate)}`;
  for (const extension of proposal.extensions) key += `/ext:${hexOfSignature(extension.signature)}`;
  return key;
}

function sharesKey(body: DecryptionSharesBody): string {
  let key = `shares/${body.networkId}/${body.height}/${body.validatorIndex}`;
  for (const share of body.shares) key += `/${hexOfSignature(share)}`;
  return key;
}

/** The signer and verifier of validator `validatorIndex` (verification needs no secret). */
export function createFakeCrypto(committee: FakeCommittee, validatorIndex: number): ConsensusCrypto {
  // A node outside the committee (index −1) only verifies; its "key" signs nothing valid.
  const ownKey = committee.validatorKeys[validatorIndex] ?? 'not-a-member';
  const keyOf = (index: number): string | undefined => committee.validatorKeys[index];
  return {
    signVote: (body) => signatureOf(ownKey, voteKey(body)),
    verifyVote(index, body, signature) {
      const key = keyOf(index);
      return key !== undefined && equalSignatures(signature, signatureOf(key, voteKey(body)));
    },
    combineVotes(body, partials) {
      const message = voteKey(body);
      const distinct = new Set<number>();
      let allValid = true;
      for (const partial of partials) {
        const key = keyOf(partial.validatorIndex);
        if (key === undefined || !equalSignatures(partial.signature, signatureOf(key, message)))
          allValid = false;
        distinct.add(partial.validatorIndex);
      }
      // Interpolating fewer than t points (or a bad one) lands on some other point of G2.
      if (!allValid || distinct.size < committee.threshold)
        return signatureOf(`not-the-group/${distinct.size}`, message);
      return signatureOf(committee.groupKey, message);
    },
    verifyVoteCertificate: (body, signature) =>
      equalSignatures(signature, signatureOf(committee.groupKey, voteKey(body))),
    signExtension: (extension) => signatureOf(ownKey, extensionKey(extension)),
    verifyExtension(extension: SignedVoteExtension) {
      const key = keyOf(extension.validatorIndex);
      return (
        key !== undefined && equalSignatures(extension.signature, signatureOf(key, extensionKey(extension)))
      );
    },
    signDecryptionShares: (body) => signatureOf(ownKey, sharesKey(body)),
    verifyDecryptionShares(message: DecryptionShares) {
      const key = keyOf(message.validatorIndex);
      return key !== undefined && equalSignatures(message.signature, signatureOf(key, sharesKey(message)));
    },
    signProposal: (proposal) => signatureOf(ownKey, proposalKey(proposal)),
    verifyProposal(proposal: Proposal) {
      const key = keyOf(proposal.proposerIndex);
      return (
        key !== undefined && equalSignatures(proposal.signature, signatureOf(key, proposalKey(proposal)))
      );
    },
  };
}
