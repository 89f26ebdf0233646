import {
  encryptionThreshold,
  parseHex,
  partialSign,
  recoverGroupSignature,
  toLowerHex,
  verifyGroupSignature,
} from '@synod/protocol';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  buildCommittee,
  CommitteeError,
  type CommitteeJson,
  formatCommittee,
  parseCommittee,
} from '../../src/dkg/index.ts';
import { type CommitteeFixture, committeeFixture, outcomeOf } from './committeeFixtures.ts';

/** committee.json with the committee encryption key (issue #19): built, formatted, parsed, refused. */

let fixture: CommitteeFixture;
beforeAll(async () => {
  fixture = await committeeFixture(4);
});

function parseError(committee: unknown): CommitteeError {
  try {
    parseCommittee(JSON.stringify(committee));
  } catch (error) {
    if (error instanceof CommitteeError) return error;
    throw error;
  }
  throw new Error('expected a CommitteeError');
}

/** A deep copy to mutate. */
function copy(committee: CommitteeJson): CommitteeJson {
  return JSON.parse(JSON.stringify(committee)) as CommitteeJson;
}

describe('committee.json with an encryption key', () => {
  test('holds the encryption key, its threshold f + 1, and every member’s encryption share key', () => {
    const { committee, encryption, encryptionSessionId } = fixture;
    expect(committee.encryption).toEqual({
      threshold: 2,
      publicKey: toLowerHex(encryption.groupPublicKey),
      commitments: encryption.commitments.map((commitment) => toLowerHex(commitment)),
      qualified: [0, 1, 2, 3],
      excluded: [],
      dkgSessionId: toLowerHex(encryptionSessionId),
    });
    expect(committee.encryption!.threshold).toBe(encryptionThreshold(4));
    expect(committee.threshold).toBe(3);
    for (const [i, member] of committee.members.entries()) {
      expect(member.encryptionSharePublicKey).toBe(toLowerHex(encryption.shares[i]!.publicKey));
    }
    expect(parseCommittee(formatCommittee(committee))).toEqual(committee);
  });

  test('any f + 1 members’ decryption shares combine to the encryption key’s signature', () => {
    const { committee, encryption } = fixture;
    const message = new TextEncoder().encode('synod/test/decryption-share/v1');
    const publicKey = parseHex(committee.encryption!.publicKey, 48)!;
    for (const members of [
      [0, 1],
      [1, 3],
      [2, 3],
    ]) {
      const partials = members.map((i) => ({
        index: committee.members[i]!.shareIndex,
        signature: partialSign(encryption.shares[i]!.secretKey, message),
      }));
      const signature = recoverGroupSignature(partials, committee.encryption!.threshold);
      expect(verifyGroupSignature(publicKey, message, signature), `members ${members}`).toBe(true);
    }
  });

  test('every honest validator writes the same bytes: the order of keys is fixed', () => {
    const { genesis, signing, encryption, signingSessionId, encryptionSessionId } = fixture;
    const again = buildCommittee(genesis, outcomeOf(signing, 4), signingSessionId.slice(), {
      outcome: outcomeOf(encryption, 4),
      sessionId: encryptionSessionId.slice(),
    });
    expect(formatCommittee(again)).toBe(formatCommittee(fixture.committee));
    const keys = Object.keys(fixture.committee);
    expect(keys.indexOf('encryption')).toBe(keys.indexOf('excluded') + 1);
    expect(Object.keys(fixture.committee.members[0]!).at(-1)).toBe('encryptionSharePublicKey');
  });

  test('a committee file without it (written before issue #19) still parses, and has none', () => {
    const { genesis, signing, signingSessionId } = fixture;
    const old = buildCommittee(genesis, outcomeOf(signing, 4), signingSessionId);
    const text = formatCommittee(old);
    expect(text).not.toContain('encryption');
    const parsed = parseCommittee(text);
    expect(parsed.encryption).toBeUndefined();
    expect(parsed.members.every((member) => member.encryptionSharePublicKey === undefined)).toBe(true);
    // The signing part is the same as in the file with the encryption key.
    const { encryption: _, members, ...rest } = fixture.committee;
    const { members: oldMembers, ...oldRest } = parsed;
    expect(oldRest).toEqual(rest);
    expect(oldMembers).toEqual(members.map(({ encryptionSharePublicKey: _key, ...member }) => member));
  });

  test('n = 1: both thresholds are 1, and the keys must still differ', async () => {
    const { committee } = await committeeFixture(1, 'single');
    expect([committee.threshold, committee.encryption!.threshold]).toEqual([1, 1]);
    expect(parseCommittee(formatCommittee(committee)).encryption!.publicKey).not.toBe(
      committee.groupPublicKey,
    );
  });

  test('a bad encryption field is a CommitteeError naming it', () => {
    const base = fixture.committee;
    const otherPoint = base.commitments[1]!;
    const cases: [string, (committee: CommitteeJson) => void, RegExp][] = [
      ['not an object', (c) => Object.assign(c, { encryption: 'yes' }), /encryption must be an object/],
      ['null', (c) => Object.assign(c, { encryption: null }), /encryption must be an object/],
      ['an array', (c) => Object.assign(c, { encryption: [] }), /encryption must be an object/],
      [
        'the signing threshold',
        (c) => {
          c.encryption!.threshold = 3;
          c.encryption!.commitments.push(otherPoint);
        },
        /encryption.threshold must be f \+ 1 = 2 for 4 members/,
      ],
      [
        'a threshold as a string',
        (c) => Object.assign(c.encryption!, { threshold: '2' }),
        /encryption.threshold must be f \+ 1/,
      ],
      [
        'a missing commitment',
        (c) => c.encryption!.commitments.pop(),
        /encryption.commitments must hold `encryption.threshold` points/,
      ],
      [
        'a commitment that is not hex',
        (c) => {
          c.encryption!.commitments[1] = '0x1234';
        },
        /encryption.commitments\[1\] is not 48-byte hex/,
      ],
      [
        'a commitment that is no point',
        (c) => {
          c.encryption!.commitments[1] = `0x${'ff'.repeat(48)}`;
        },
        /encryption.commitments are not valid points/,
      ],
      [
        'a public key other than commitments[0]',
        (c) => {
          c.encryption!.publicKey = otherPoint;
        },
        /encryption.publicKey must equal encryption.commitments\[0\]/,
      ],
      [
        'the group public key',
        (c) => {
          c.encryption!.publicKey = c.groupPublicKey;
          c.encryption!.commitments[0] = c.groupPublicKey;
        },
        /encryption.publicKey must not be the group public key/,
      ],
      [
        'a session id that is not 32 bytes',
        (c) => {
          c.encryption!.dkgSessionId = '0x00';
        },
        /encryption.dkgSessionId is not 32-byte hex/,
      ],
      [
        'the signing key’s session id',
        (c) => {
          c.encryption!.dkgSessionId = c.dkgSessionId;
        },
        /must not be the signing key’s session/,
      ],
      [
        'qualified out of order',
        (c) => {
          c.encryption!.qualified = [1, 0, 2, 3];
        },
        /encryption.qualified must be a non-empty increasing list/,
      ],
      [
        'qualified empty',
        (c) => {
          c.encryption!.qualified = [];
        },
        /encryption.qualified/,
      ],
      [
        'excluded as strings',
        (c) => Object.assign(c.encryption!, { excluded: ['0'] }),
        /encryption.excluded must list/,
      ],
      [
        'a qualified dealer also excluded',
        (c) => {
          c.encryption!.excluded = [{ index: 2, reason: 'MISSING_DEAL' }];
        },
        /encryption.excluded must list/,
      ],
      [
        'two members’ encryption share keys swapped',
        (c) => {
          const [a, b] = [c.members[0]!.encryptionSharePublicKey, c.members[1]!.encryptionSharePublicKey];
          c.members[0]!.encryptionSharePublicKey = b;
          c.members[1]!.encryptionSharePublicKey = a;
        },
        /members\[0\].encryptionSharePublicKey does not follow from encryption.commitments/,
      ],
      [
        'a member without its encryption share key',
        (c) => {
          delete c.members[2]!.encryptionSharePublicKey;
        },
        /members\[2\].encryptionSharePublicKey does not follow/,
      ],
      [
        'an encryption share key without an encryption key',
        (c) => {
          delete c.encryption;
        },
        /members\[0\].encryptionSharePublicKey without an encryption key/,
      ],
    ];
    for (const [name, mutate, message] of cases) {
      const bad = copy(base);
      mutate(bad);
      const error = parseError(bad);
      expect(error.code, name).toBe('INVALID_COMMITTEE');
      expect(error.message, name).toMatch(message);
    }
    // Upper-case hex is not what buildCommittee writes: refused like the signing share keys.
    const upper = copy(base);
    upper.members[0]!.encryptionSharePublicKey =
      upper.members[0]!.encryptionSharePublicKey!.toUpperCase().replace(
        '0X',
        '0x',
      ) as CommitteeJson['groupPublicKey'];
    expect(parseError(upper).message).toMatch(/members\[0\].encryptionSharePublicKey does not follow/);
  });
});
