import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blsPublicKey, encryptShareKeystore, type TrustedDealing, toLowerHex } from '@synod/protocol';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  type EncryptionKeys,
  loadEncryptionKeys,
  loadEpochEncryptionKeys,
  loadValidatorIdentity,
} from '../../src/assembly/identity.ts';
import { type CommitteeJson, formatCommittee } from '../../src/dkg/committee.ts';
import {
  type DataDirLayout,
  dataDirLayout,
  KeyFileError,
  type NodeKeys,
  publicKeysOf,
  writeNodeKeys,
  writeSecretFile,
} from '../../src/keys/index.ts';
import { type CommitteeFixture, committeeFixture, nodeKeysOf, reshared } from '../dkg/committeeFixtures.ts';

/**
 * Loading the committee encryption key and our share of it (issue #19), beside the BLS share:
 * epoch 0 from committee.json and keys/encryption-share.keystore.json, later epochs from
 * committees/<e>.json and keys/encryption-share-<e>.keystore.json.
 */

const PASSWORD = 'a test password that is long';
const password = async () => PASSWORD;
/** The cheapest scrypt the CLI accepts: these keystores protect test keys. */
const KDF = { function: 'scrypt', n: 16_384, r: 8, p: 1 } as const;

let fixture: CommitteeFixture;
let dir: string;
beforeAll(async () => {
  fixture = await committeeFixture(4, 'identity');
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synod-identity-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeKeystore(path: string, share: TrustedDealing['shares'][number]): Promise<void> {
  const keystore = await encryptShareKeystore(share.secretKey, PASSWORD, {
    pubkey: share.publicKey,
    path: '',
    kdf: KDF,
  });
  await writeSecretFile(path, keystore, { overwrite: true });
}

/** A data dir of `keys` with committee.json, and the keystores of member `member` (if any). */
async function dataDir(
  keys: NodeKeys,
  member: number | undefined,
  options: { encryptionKeystoreOf?: number; committee?: CommitteeJson } = {},
): Promise<DataDirLayout> {
  const layout = dataDirLayout(join(dir, `v${member ?? 'x'}`));
  await writeNodeKeys(layout, keys, { overwrite: false });
  await writeFile(layout.committee, formatCommittee(options.committee ?? fixture.committee));
  if (member !== undefined) {
    await writeKeystore(layout.blsShareKeystore, fixture.signing.shares[member]!);
    const encryptionMember = options.encryptionKeystoreOf ?? member;
    await writeKeystore(layout.encryptionShareKeystore, fixture.encryption.shares[encryptionMember]!);
  }
  return layout;
}

async function keyError(promise: Promise<unknown>): Promise<KeyFileError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KeyFileError) return error;
    throw error;
  }
  throw new Error('expected a KeyFileError');
}

function expectPublicParts(keys: EncryptionKeys | undefined, dealing: TrustedDealing, threshold: number) {
  expect(keys).toBeDefined();
  expect(keys!.threshold).toBe(threshold);
  expect(toLowerHex(keys!.publicKey)).toBe(toLowerHex(dealing.groupPublicKey));
  expect(keys!.sharePublicKeys.map((key) => toLowerHex(key))).toEqual(
    dealing.shares.map((share) => toLowerHex(share.publicKey)),
  );
}

describe('the committee encryption key of epoch 0', () => {
  test('a member gets the key, every member’s share key, and its own share, checked against committee.json', async () => {
    const layout = await dataDir(fixture.keys[2]!, 2);
    const identity = await loadValidatorIdentity(layout, password);
    expect(identity.validatorIndex).toBe(2);
    const keys = await identity.encryptionKeysOf(0);
    expectPublicParts(keys, fixture.encryption, 2);
    expect(toLowerHex(keys!.shareSecretKey!)).toBe(toLowerHex(fixture.encryption.shares[2]!.secretKey));
    expect(toLowerHex(blsPublicKey(keys!.shareSecretKey!))).toBe(toLowerHex(keys!.sharePublicKeys[2]!));
    // The encryption share is not the signing share.
    expect(toLowerHex(keys!.shareSecretKey!)).not.toBe(toLowerHex(identity.shareSecretKey!));
  });

  test('a committee without an encryption key (an older file) has none: undefined, no keystore read', async () => {
    const { encryption: _, ...rest } = fixture.committee;
    const old: CommitteeJson = {
      ...rest,
      members: rest.members.map(({ encryptionSharePublicKey: _key, ...member }) => member),
    };
    const layout = await dataDir(fixture.keys[0]!, 0, { committee: old });
    const identity = await loadValidatorIdentity(layout, password);
    expect(await identity.encryptionKeysOf(0)).toBeUndefined();
    expect(await loadEncryptionKeys(layout, old, identity.peerId, password)).toBeUndefined();
  });

  test('a keystore holding another member’s encryption share is refused', async () => {
    const layout = await dataDir(fixture.keys[1]!, 1, { encryptionKeystoreOf: 3 });
    const identity = await loadValidatorIdentity(layout, password);
    const error = await keyError(identity.encryptionKeysOf(0));
    expect(error.code).toBe('INVALID_KEY');
    expect(error.message).toContain('does not hold the encryption-key share of committee member 1');
  });

  test('a member without its encryption keystore: MISSING_KEY, as for the BLS share', async () => {
    const layout = await dataDir(fixture.keys[1]!, 1);
    await rm(layout.encryptionShareKeystore);
    const identity = await loadValidatorIdentity(layout, password);
    expect((await keyError(identity.encryptionKeysOf(0))).code).toBe('MISSING_KEY');
  });

  test('a non-member gets the public parts only; with an encryption keystore it is the wrong data dir', async () => {
    const stranger = await nodeKeysOf('stranger', 0);
    const layout = await dataDir(stranger, undefined);
    const identity = await loadValidatorIdentity(layout, password);
    expect(identity.validatorIndex).toBe(-1);
    const keys = await identity.encryptionKeysOf(0);
    expectPublicParts(keys, fixture.encryption, 2);
    expect(keys!.shareSecretKey).toBeUndefined();
    await writeKeystore(layout.encryptionShareKeystore, fixture.encryption.shares[0]!);
    const error = await keyError(loadEncryptionKeys(layout, fixture.committee, identity.peerId, password));
    expect(error.code).toBe('INVALID_KEY');
    expect(error.message).toContain('wrong data dir?');
  });
});

describe('the committee encryption key of a later epoch (after synod reshare)', () => {
  test('a member of epoch 1 gets the reshared share of the same key; a missing keystore follows', async () => {
    const joiner = await nodeKeysOf('joiner', 0);
    // 4 → 5: validator 0 stays (index 0), the joiner is index 4; thresholds 4 and f + 1 = 2.
    const next = reshared(fixture, [...fixture.keys, joiner]);
    const layout = await dataDir(fixture.keys[0]!, 0);
    await mkdir(layout.committeesDir);
    await writeFile(layout.committeeOf(1), formatCommittee(next.committee));
    await writeKeystore(layout.encryptionShareKeystoreOf(1), next.encryption.shares[0]!);
    const identity = await loadValidatorIdentity(layout, password);
    const keys = await identity.encryptionKeysOf(1);
    expectPublicParts(keys, next.encryption, 2);
    expect(toLowerHex(keys!.publicKey)).toBe(toLowerHex(fixture.encryption.groupPublicKey));
    expect(toLowerHex(keys!.shareSecretKey!)).toBe(toLowerHex(next.encryption.shares[0]!.secretKey));
    expect(layout.encryptionShareKeystoreOf(1)).toBe(
      join(layout.keysDir, 'encryption-share-1.keystore.json'),
    );

    await rm(layout.encryptionShareKeystoreOf(1));
    expect((await identity.encryptionKeysOf(1))?.shareSecretKey).toBeUndefined();
    // No committee file of epoch 2: nothing known about it.
    expect(await identity.encryptionKeysOf(2)).toBeUndefined();
    expect(
      await loadEpochEncryptionKeys(
        layout,
        2,
        publicKeysOf(fixture.keys[0]!).peerId,
        fixture.committee,
        password,
      ),
    ).toBeUndefined();
  });

  test('an epoch committee with an encryption key other than the genesis one is refused', async () => {
    const next = reshared(fixture, fixture.keys);
    const other = await committeeFixture(4, 'another network');
    const forged: CommitteeJson = {
      ...next.committee,
      encryption: { ...other.committee.encryption!, threshold: 2 },
      members: next.committee.members.map((member, i) => ({
        ...member,
        encryptionSharePublicKey: other.committee.members[i]!.encryptionSharePublicKey!,
      })),
    };
    const layout = await dataDir(fixture.keys[0]!, 0);
    await mkdir(layout.committeesDir);
    await writeFile(layout.committeeOf(1), formatCommittee(forged));
    const identity = await loadValidatorIdentity(layout, password);
    const error = await keyError(identity.encryptionKeysOf(1));
    expect(error.code).toBe('INVALID_KEY');
    expect(error.message).toContain('an encryption key other than the genesis committee');
  });
});
