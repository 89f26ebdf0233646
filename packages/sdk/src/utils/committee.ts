import type { Hex } from 'viem';
import { getCommittee } from '../actions/getCommittee.ts';
import type { Client } from '../clients/createClient.ts';
import { MAX_CACHED_COMMITTEES } from '../constants.ts';
import { VerificationError } from '../errors/verification.ts';

/**
 * The group public key certificates of `epoch` must verify under: the app's pinned key when the
 * client has pins (the node is not asked) — the one pinned for the latest epoch at or before
 * `epoch`, since a membership change by reshare keeps the key and only moves the epoch on — else
 * the node's synod_getCommittee answer, fetched once per epoch and cached.
 */
export async function groupPublicKeyOf(client: Client, epoch: number): Promise<Hex> {
  if (client.trustedCommittees !== undefined) {
    let pinned: Hex | undefined;
    let pinnedEpoch = -1;
    for (const [candidate, key] of client.trustedCommittees) {
      if (candidate <= epoch && candidate > pinnedEpoch) {
        pinned = key;
        pinnedEpoch = candidate;
      }
    }
    if (pinned === undefined) {
      throw new VerificationError(
        'UNKNOWN_COMMITTEE',
        `no trusted group key for epoch ${epoch} or an earlier one in the client config`,
      );
    }
    return pinned;
  }
  let cached = client.committeeCache.get(epoch);
  if (cached === undefined) {
    cached = getCommittee(client, { epoch });
    if (client.committeeCache.size >= MAX_CACHED_COMMITTEES) client.committeeCache.clear();
    client.committeeCache.set(epoch, cached);
    // A failed fetch is not cached: the next verification asks again.
    cached.catch(() => client.committeeCache.delete(epoch));
  }
  const committee = await cached;
  if (committee === null || committee.epoch !== epoch) {
    client.committeeCache.delete(epoch);
    throw new VerificationError('UNKNOWN_COMMITTEE', `the node has no committee for epoch ${epoch}`);
  }
  return committee.groupPublicKey;
}
