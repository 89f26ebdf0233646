import { type Hex, headerHash, type NetworkDomain } from '@synod/protocol';
import { L1ProofError } from '../l1/errors.ts';
import { historyProofsBelow } from '../l1/prove.ts';
import type { HeaderProof } from '../rpc/backend.ts';
import { RpcBackendError } from '../rpc/errors.ts';
import type { Store } from '../storage/store.ts';

/**
 * The proof that the finalized header at `height` is leaf `height − 1` of the historyRoot of the
 * header at `anchorHeight` (> height): what SettlementInbox.verifyHeader and a batch settlement
 * from history check against a posted anchor. Undefined when either height is not finalized.
 * Its history proof comes from the store's cached history (l1/prove.ts historyProofsBelow).
 */
export async function readHeaderProof(
  store: Store,
  domain: NetworkDomain,
  height: number,
  anchorHeight: number,
): Promise<HeaderProof | undefined> {
  if (anchorHeight <= height)
    throw new RangeError(`anchorHeight ${anchorHeight} must be above height ${height}`);
  if (anchorHeight > store.latestHeight()) return undefined;
  const [header, anchorHeader] = await Promise.all([store.getHeader(height), store.getHeader(anchorHeight)]);
  if (header === undefined || anchorHeader === undefined) {
    throw new Error(
      `assertion failed: no stored header at ${height} or ${anchorHeight} below the latest height`,
    );
  }
  let proof: Hex[];
  try {
    [proof] = (await historyProofsBelow(store, anchorHeight, [height])) as [Hex[]];
  } catch (error) {
    if (error instanceof L1ProofError) throw new RpcBackendError('UNAVAILABLE', error.message);
    throw error;
  }
  return {
    height,
    header,
    anchorHeight,
    anchorHeader,
    anchorHash: headerHash(anchorHeader, domain),
    proof,
  };
}
