import { join } from 'node:path';

/**
 * Where everything lives in a data directory (docs/operations.md "Data directory"):
 *
 * ```
 * <dataDir>/config.json                 node config (synod init)
 * <dataDir>/keys/                       0700
 *   p2p.key                             libp2p Ed25519 identity, protobuf (0600)
 *   ethereum.key                        secp256k1 account for L1 submissions, 0x-hex (0600)
 *   dkg.seed                            seed of the DKG long-term keys, 0x-hex (0600)
 *   bls-share.keystore.json             EIP-2335 keystore of the BLS share (synod dkg, 0600)
 *   bls-share-<epoch>.keystore.json     our share of a later epoch (synod reshare, 0600)
 *   encryption-share.keystore.json      EIP-2335 keystore of the encryption-key share (synod dkg, 0600)
 *   encryption-share-<epoch>.keystore.json  our encryption-key share of a later epoch (synod reshare, 0600)
 * <dataDir>/committee.json              committee from the DKG (synod dkg): epoch 0
 * <dataDir>/committees/<epoch>.json     committee of a later epoch (synod reshare)
 * <dataDir>/chain/                      chain data (LevelDB); can be resynced from peers
 * ```
 */
export interface DataDirLayout {
  readonly dataDir: string;
  readonly config: string;
  readonly keysDir: string;
  readonly p2pKey: string;
  readonly ethereumKey: string;
  readonly dkgSeed: string;
  readonly blsShareKeystore: string;
  /** Our share of the committee encryption key (threshold f + 1), same password as the BLS share. */
  readonly encryptionShareKeystore: string;
  readonly committee: string;
  readonly committeesDir: string;
  /** Our share's keystore of `epoch` (epoch 0: blsShareKeystore). */
  blsShareKeystoreOf(epoch: number): string;
  /** Our encryption-key share's keystore of `epoch` (epoch 0: encryptionShareKeystore). */
  encryptionShareKeystoreOf(epoch: number): string;
  /** The committee file of `epoch` (epoch 0: committee). */
  committeeOf(epoch: number): string;
  readonly chainDir: string;
}

export function dataDirLayout(dataDir: string): DataDirLayout {
  const keysDir = join(dataDir, 'keys');
  return {
    dataDir,
    config: join(dataDir, 'config.json'),
    keysDir,
    p2pKey: join(keysDir, 'p2p.key'),
    ethereumKey: join(keysDir, 'ethereum.key'),
    dkgSeed: join(keysDir, 'dkg.seed'),
    blsShareKeystore: join(keysDir, 'bls-share.keystore.json'),
    encryptionShareKeystore: join(keysDir, 'encryption-share.keystore.json'),
    committee: join(dataDir, 'committee.json'),
    committeesDir: join(dataDir, 'committees'),
    blsShareKeystoreOf: (epoch) =>
      join(keysDir, epoch === 0 ? 'bls-share.keystore.json' : `bls-share-${epoch}.keystore.json`),
    encryptionShareKeystoreOf: (epoch) =>
      join(
        keysDir,
        epoch === 0 ? 'encryption-share.keystore.json' : `encryption-share-${epoch}.keystore.json`,
      ),
    committeeOf: (epoch) =>
      epoch === 0 ? join(dataDir, 'committee.json') : join(dataDir, 'committees', `${epoch}.json`),
    chainDir: join(dataDir, 'chain'),
  };
}
