import type { Client } from '../clients/createClient.ts';
import type { RpcRequestError } from '../errors/rpc.ts';
import type { TimeoutError, TransportError } from '../errors/transport.ts';
import { VerificationError } from '../errors/verification.ts';
import { VoteKind, voteMessage } from '../internal/protocol.ts';
import type { RequestOptions } from '../transports/createTransport.ts';
import type { Evidence } from '../types/synod.ts';
import { verifyBlsSignature } from '../utils/bls.ts';
import { decodeCommittee, decodeEvidence } from '../utils/decode.ts';

export interface GetEvidenceParameters {
  /** Height of the equivocating votes. */
  height: number;
  /**
   * Check both votes of each entry under the validator's share key (from synod_getCommittee of the
   * height's epoch: its finalized header's, else the node's current one) and that they conflict.
   * Default true.
   */
  verify?: boolean | undefined;
  signal?: AbortSignal | undefined;
}
export type GetEvidenceReturnType = Evidence[];
export type GetEvidenceErrorType = RpcRequestError | TransportError | TimeoutError | VerificationError;

/**
 * The equivocation evidence a node holds for a height: each entry is a validator that signed two
 * votes of one (height, round, kind) for different blocks, with both share signatures. Unless
 * `verify: false`, both signatures are checked under the share key the node reports for that
 * validator (synod_getCommittee) and the two block ids must differ; otherwise VerificationError
 * `INVALID_EVIDENCE`. That check is only as good as those share keys: the RPC does not yet prove
 * them against the group key, so a lying node could report keys of its own. For a proof anyone
 * must accept, use the L1 EquivocationRegistry, which derives share keys from commitments the
 * committee's group key certified (docs/contracts.md).
 *
 * RPC methods: `synod_getEvidence`, and `synod_getBlockByHeight` and `synod_getCommittee` when verifying.
 *
 * @example
 * ```ts
 * for (const offence of await getEvidence(client, { height: 1200 }))
 *   console.log(`validator ${offence.validatorIndex} signed two ${offence.kind}s in round ${offence.round}`);
 * ```
 */
export async function getEvidence(
  client: Client,
  parameters: GetEvidenceParameters,
): Promise<GetEvidenceReturnType> {
  const options: RequestOptions = { signal: parameters.signal };
  const result = await client.request({ method: 'synod_getEvidence', params: [parameters.height] }, options);
  if (!Array.isArray(result)) throw new VerificationError('MALFORMED_RESPONSE', 'evidence must be an array');
  const evidence = result.map((entry, i) => decodeEvidence(entry, `evidence[${i}]`));
  if (parameters.verify === false || evidence.length === 0) return evidence;
  // The committee of the height's epoch: a membership change by reshare changes every share key.
  const block = await client.request(
    { method: 'synod_getBlockByHeight', params: [parameters.height, false] },
    options,
  );
  let epoch: number | undefined;
  if (block !== null) {
    epoch = (block as { header?: { epoch?: unknown } }).header?.epoch as number | undefined;
    if (!Number.isSafeInteger(epoch) || (epoch as number) < 0)
      throw new VerificationError('MALFORMED_RESPONSE', 'block header without a valid epoch');
  }
  const committee = await client.request(
    { method: 'synod_getCommittee', params: epoch === undefined ? [] : [epoch] },
    options,
  );
  if (committee === null) throw new VerificationError('UNKNOWN_COMMITTEE', 'the node reports no committee');
  const { members } = decodeCommittee(committee);
  for (const entry of evidence) {
    const invalid = (details: string) => new VerificationError('INVALID_EVIDENCE', details);
    if (entry.height !== parameters.height)
      throw invalid(`evidence of height ${entry.height} in the answer for height ${parameters.height}`);
    const [first, second] = entry.votes;
    if (first.blockId === second.blockId) throw invalid('both votes are for the same block: no equivocation');
    const shareKey = members.find((member) => member.index === entry.validatorIndex)?.blsPublicKey;
    if (shareKey === undefined) throw invalid(`validator ${entry.validatorIndex} is not in the committee`);
    for (const vote of entry.votes) {
      const message = voteMessage({
        kind: entry.kind === 'prevote' ? VoteKind.Prevote : VoteKind.Precommit,
        networkId: client.network.networkId,
        height: entry.height,
        round: entry.round,
        blockId: vote.blockId,
      });
      if (!verifyBlsSignature(shareKey, message, vote.signature))
        throw invalid(`a vote of validator ${entry.validatorIndex} does not verify under its share key`);
    }
  }
  return evidence;
}
