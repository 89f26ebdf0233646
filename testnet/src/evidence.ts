import {
  EquivocationProofCodec,
  EVIDENCE_NAMESPACE,
  equivocationProofVotes,
  parseHex,
  verifyPartial,
  voteMessageBytes,
} from '@synod/protocol';
import type { CommitteeJson } from './node-api.ts';

/** Batches asked for at most, so a broken node cannot keep the runner busy. */
const MAX_BATCHES = 1_000;

/**
 * Validators whose equivocation a finalized block certifies (docs/protocol.md "Evidence in
 * blocks"): the transactions of EVIDENCE_NAMESPACE, read batch by batch from one node, whose
 * EquivocationProof verifies under the share keys of `committee` (two different blocks, both
 * signatures valid). Anything else in that namespace counts for nothing.
 */
export async function certifiedEquivocators(rpcUrl: string, committee: CommitteeJson): Promise<Set<number>> {
  const offenders = new Set<number>();
  let afterHeight = 0;
  for (let asked = 0; asked < MAX_BATCHES; asked++) {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: asked,
        method: 'synod_getNextNamespaceBatch',
        params: [EVIDENCE_NAMESPACE, afterHeight],
      }),
      signal: AbortSignal.timeout(5_000),
    });
    const { result } = (await response.json()) as {
      result?: { status: string; height: number; transactions?: { payload: string }[] };
    };
    if (result === undefined || result.status !== 'batch') break;
    for (const tx of result.transactions ?? []) {
      try {
        const proof = EquivocationProofCodec.decode(parseHex(tx.payload) ?? new Uint8Array(0));
        const member = committee.members[proof.validatorIndex];
        if (member === undefined) continue;
        const key = parseHex(member.sharePublicKey, 48)!;
        if (
          equivocationProofVotes(proof).every((vote) =>
            verifyPartial(key, voteMessageBytes(vote), vote.signature),
          )
        )
          offenders.add(proof.validatorIndex);
      } catch {
        // Not a proof: an ordinary transaction of that namespace.
      }
    }
    afterHeight = result.height;
  }
  return offenders;
}
