import { committeeSize, insecureTrustedDealer } from '@synod/protocol';
import { keccak256, toBytes } from 'viem';
import { createBlsConsensusCrypto } from '../consensus/blsCrypto.ts';
import type { SimCommittee } from './runner.ts';

/** Verification results shared by the run's nodes: each distinct signature is paired once per process. */
const verificationCache = new Map<string, boolean>();
/** Bound on that memo; it is cleared when full (a run needs a few thousand entries). */
const MAX_VERIFICATION_CACHE_ENTRIES = 200_000;

/** A committee with real threshold BLS keys from the test-only trusted dealer, seeded by the run. */
export async function createRealBlsCommittee(validatorCount: number, seed: number): Promise<SimCommittee> {
  const dealing = insecureTrustedDealer(
    validatorCount,
    committeeSize(validatorCount).quorum,
    keccak256(toBytes(`synod/sim/dkg/${seed}`), 'bytes'),
  );
  if (verificationCache.size > MAX_VERIFICATION_CACHE_ENTRIES) verificationCache.clear();
  const sharePublicKeys = dealing.shares.map((share) => share.publicKey);
  return {
    cryptoFor: (validatorIndex) =>
      createBlsConsensusCrypto({
        validatorIndex,
        shareSecretKey: dealing.shares[validatorIndex]!.secretKey,
        sharePublicKeys,
        groupPublicKey: dealing.groupPublicKey,
        verificationCache,
      }),
  };
}
