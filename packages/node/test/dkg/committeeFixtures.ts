import {
  type DkgPublicOutcome,
  encryptionThreshold,
  insecureTrustedDealer,
  insecureTrustedRedeal,
  type TrustedDealing,
} from '@synod/protocol';
import { createGenesisJson, type Genesis, parseGenesis } from '../../src/config/genesis.ts';
import { buildCommittee, type CommitteeJson } from '../../src/dkg/committee.ts';
import { generateNodeKeys, type NodeKeys, publicKeysOf } from '../../src/keys/nodeKeys.ts';

/**
 * Committees for unit tests without a network: node keys from a seeded source, and both keys of
 * the committee dealt by insecureTrustedDealer (the DKG itself is tested in @synod/protocol and
 * in dkg/multiprocess.test.ts). What buildCommittee gets is shaped as a DKG outcome.
 */

export interface CommitteeFixture {
  genesis: Genesis;
  keys: NodeKeys[];
  signing: TrustedDealing;
  encryption: TrustedDealing;
  signingSessionId: Uint8Array;
  encryptionSessionId: Uint8Array;
  /** committee.json with the encryption key. */
  committee: CommitteeJson;
}

export function outcomeOf(dealing: TrustedDealing, n: number): DkgPublicOutcome {
  return {
    groupPublicKey: dealing.groupPublicKey,
    commitments: dealing.commitments,
    qualified: Array.from({ length: n }, (_, i) => i),
    excluded: [],
  };
}

function seed(label: string): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes.set(new TextEncoder().encode(label).subarray(0, 32));
  return bytes;
}

/** Deterministic node keys: validator `i` of fixture `label`. */
export async function nodeKeysOf(label: string, i: number): Promise<NodeKeys> {
  let counter = 0;
  return generateNodeKeys((length) => {
    const bytes = new Uint8Array(length);
    bytes.set(seed(`${label} ${i} ${counter++}`).subarray(0, length));
    return bytes;
  });
}

export function genesisOf(keys: readonly NodeKeys[], epoch = 0, nonceLabel = 'nonce'): Genesis {
  const json = createGenesisJson({
    networkId: 7,
    chainId: 31337,
    epoch,
    dkgNonce: seed(nonceLabel),
    participants: keys.map((key, i) => {
      const { peerId, ethereumAddress, dkgSigningPublicKey, dkgEncryptionPublicKey } = publicKeysOf(key);
      return {
        peerId,
        multiaddrs: [`/ip4/127.0.0.1/tcp/${9000 + i}`],
        dkgSigningPublicKey,
        dkgEncryptionPublicKey,
        ethereumAddress,
      };
    }),
  });
  return parseGenesis(JSON.stringify(json));
}

export async function committeeFixture(n: number, label = 'committee'): Promise<CommitteeFixture> {
  const keys = await Promise.all(Array.from({ length: n }, (_, i) => nodeKeysOf(label, i)));
  const genesis = genesisOf(keys);
  const signing = insecureTrustedDealer(n, genesis.threshold, seed(`${label} signing`));
  const encryption = insecureTrustedDealer(n, encryptionThreshold(n), seed(`${label} encryption`));
  const signingSessionId = seed(`${label} signing session`);
  const encryptionSessionId = seed(`${label} encryption session`);
  const committee = buildCommittee(genesis, outcomeOf(signing, n), signingSessionId, {
    outcome: outcomeOf(encryption, n),
    sessionId: encryptionSessionId,
  });
  return { genesis, keys, signing, encryption, signingSessionId, encryptionSessionId, committee };
}

/**
 * The committee of epoch 1 after a reshare to `keys` (both keys redealt, each unchanged), as
 * `synod reshare` writes committees/1.json.
 */
export function reshared(
  fixture: CommitteeFixture,
  keys: readonly NodeKeys[],
): { genesis: Genesis; signing: TrustedDealing; encryption: TrustedDealing; committee: CommitteeJson } {
  const n = keys.length;
  const genesis = genesisOf(keys, 1, 'reshare nonce');
  const signing = insecureTrustedRedeal(fixture.signing, n, genesis.threshold, seed('redeal signing'));
  const encryption = insecureTrustedRedeal(fixture.encryption, n, encryptionThreshold(n), seed('redeal enc'));
  const committee = buildCommittee(genesis, outcomeOf(signing, n), seed('reshare signing session'), {
    outcome: outcomeOf(encryption, n),
    sessionId: seed('reshare encryption session'),
  });
  return { genesis, signing, encryption, committee };
}
