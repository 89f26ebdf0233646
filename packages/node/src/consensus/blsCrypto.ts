import {
  blsSign,
  blsVerify,
  decryptionSharesMessage,
  extensionMessage,
  partialSign,
  proposalMessage,
  recoverGroupSignature,
  toLowerHex,
  verifyGroupSignature,
  verifyPartial,
  voteMessageBytes,
} from '@synod/protocol';
import type { ConsensusCrypto } from './types.ts';

/**
 * The consensus crypto over threshold BLS12-381 (docs/protocol.md "Votes and certificates").
 * Votes are partial signatures over voteMessage, identical bytes for every validator, so t of
 * them combine by Lagrange interpolation into the group signature. Extensions and proposals are
 * signed with the validator's share key over their own domain-tagged messages: attributable.
 */
export interface BlsConsensusCryptoOptions {
  validatorIndex: number;
  /**
   * This validator's share secret key (Shamir index validatorIndex + 1); undefined for a node
   * that only verifies (not a member of this epoch): signing then throws.
   */
  shareSecretKey: Uint8Array | undefined;
  /** Share public keys of the committee, by validator index. */
  sharePublicKeys: readonly Uint8Array[];
  groupPublicKey: Uint8Array;
  /**
   * Optional memo of verification results, shared by callers that verify the same bytes many
   * times (the simulator's n nodes in one process). A pairing costs ~1 ms; a lookup, nothing.
   */
  verificationCache?: Map<string, boolean>;
}

export function createBlsConsensusCrypto(parameters: BlsConsensusCryptoOptions): ConsensusCrypto {
  const { sharePublicKeys, groupPublicKey, verificationCache } = parameters;
  const secretKey = (): Uint8Array => {
    if (parameters.shareSecretKey === undefined)
      throw new Error('assertion failed: signing without a share of this epoch (not a member)');
    return parameters.shareSecretKey;
  };

  const verify = (signer: number, message: Uint8Array, signature: Uint8Array): boolean => {
    const publicKey = signer < 0 ? groupPublicKey : sharePublicKeys[signer];
    if (publicKey === undefined) return false;
    const key =
      verificationCache === undefined ? '' : `${signer}/${toLowerHex(message)}/${toLowerHex(signature)}`;
    const known = verificationCache?.get(key);
    if (known !== undefined) return known;
    let valid: boolean;
    try {
      valid =
        signer < 0
          ? verifyGroupSignature(publicKey, message, signature)
          : verifyPartial(publicKey, message, signature);
    } catch {
      // A malformed point from a peer is an invalid signature, not our failure.
      valid = false;
    }
    verificationCache?.set(key, valid);
    return valid;
  };

  const verifyShareSignature = (signer: number, message: Uint8Array, signature: Uint8Array): boolean => {
    const publicKey = sharePublicKeys[signer];
    if (publicKey === undefined) return false;
    const key =
      verificationCache === undefined ? '' : `s${signer}/${toLowerHex(message)}/${toLowerHex(signature)}`;
    const known = verificationCache?.get(key);
    if (known !== undefined) return known;
    let valid: boolean;
    try {
      valid = blsVerify(publicKey, message, signature);
    } catch {
      valid = false;
    }
    verificationCache?.set(key, valid);
    return valid;
  };

  return {
    signVote: (body) => partialSign(secretKey(), voteMessageBytes(body)),
    verifyVote: (validatorIndex, body, signature) =>
      verify(validatorIndex, voteMessageBytes(body), signature),
    combineVotes(_body, partials) {
      // Interpolates over exactly the partials given (the core passes a quorum of verified ones).
      return recoverGroupSignature(
        partials.map((partial) => ({ index: partial.validatorIndex + 1, signature: partial.signature })),
        partials.length,
      );
    },
    verifyVoteCertificate: (body, signature) => verify(-1, voteMessageBytes(body), signature),
    signExtension: (extension) => blsSign(secretKey(), extensionMessage(extension)),
    verifyExtension: (extension) =>
      verifyShareSignature(extension.validatorIndex, extensionMessage(extension), extension.signature),
    signProposal: (proposal) => blsSign(secretKey(), proposalMessage(proposal)),
    verifyProposal: (proposal) =>
      verifyShareSignature(proposal.proposerIndex, proposalMessage(proposal), proposal.signature),
    signDecryptionShares: (body) => blsSign(secretKey(), decryptionSharesMessage(body)),
    verifyDecryptionShares: (message) =>
      verifyShareSignature(message.validatorIndex, decryptionSharesMessage(message), message.signature),
  };
}
