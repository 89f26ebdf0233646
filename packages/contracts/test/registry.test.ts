import { type BlockHeader, rotationMessage as protocolRotationMessage } from '@synod/protocol';
import { bytesToHex, type Hex, parseEventLogs } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bls12381HarnessAbi, bls12381HarnessBytecode, committeeRegistryAbi } from '../src/artifacts.ts';
import { startTestChain, type TestChain } from './helpers/chain.ts';
import { expectRevert, inboxAbi } from './helpers/contracts.ts';
import { G1_OFF_CURVE, g1OnCurveOutsideSubgroup } from './helpers/points.ts';
import {
  type Committee,
  certify,
  deployFixture,
  type Fixture,
  HeaderChain,
  headerArgs,
  makeCommittee,
  thresholdSign,
} from './helpers/synod.ts';

let chain: TestChain;
let fixture: Fixture;
let headers: HeaderChain;
const next = makeCommittee(7, 2);

beforeAll(async () => {
  chain = await startTestChain();
  fixture = await deployFixture(chain, { n: 4 });
  headers = new HeaderChain(fixture.domain);
});

afterAll(async () => {
  await chain?.anvil.stop();
});

interface Rotation {
  epoch: bigint;
  activationHeight: bigint;
  committeeSize: number;
  threshold: number;
  groupPublicKey: Hex;
}

/** docs/contracts.md "Committee rotation": what the current committee signs, as nodes compute it. */
function rotationMessage(rotation: Rotation, compressedKey: Uint8Array): Hex {
  return protocolRotationMessage({
    chainId: chain.chain.id,
    registry: fixture.deployment.registry,
    epoch: Number(rotation.epoch),
    activationHeight: Number(rotation.activationHeight),
    committeeSize: rotation.committeeSize,
    threshold: rotation.threshold,
    groupPublicKey: compressedKey,
  });
}

function rotationTo(committee: Committee, epoch: bigint, activationHeight: bigint): Rotation {
  return {
    epoch,
    activationHeight,
    committeeSize: committee.n,
    threshold: committee.t,
    groupPublicKey: committee.groupPublicKeyEip,
  };
}

function rotate(rotation: Rotation, signature: Hex) {
  return chain.walletClient.writeContract({
    address: fixture.deployment.registry,
    abi: committeeRegistryAbi,
    functionName: 'rotate',
    args: [
      rotation.epoch,
      rotation.activationHeight,
      rotation.committeeSize,
      rotation.threshold,
      rotation.groupPublicKey,
      signature,
    ],
  });
}

function submit(header: BlockHeader, signature: Hex) {
  return chain.walletClient.writeContract({
    address: fixture.deployment.inbox,
    abi: inboxAbi,
    functionName: 'submitHeader',
    args: [headerArgs(header), { round: 0, signature }],
  });
}

async function mined(hash: Promise<Hex>) {
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: await hash });
  expect(receipt.status).toBe('success');
  return receipt;
}

const readRegistry = <T>(functionName: string, args: readonly unknown[] = []) =>
  chain.publicClient.readContract({
    address: fixture.deployment.registry,
    abi: committeeRegistryAbi,
    functionName,
    args,
  } as never) as Promise<T>;

describe('CommitteeRegistry', () => {
  it('holds the genesis key from deployment', async () => {
    expect(await readRegistry('currentEpoch')).toBe(0n);
    expect(await readRegistry('epochInfo', [0n])).toEqual([
      fixture.committee.groupPublicKeyEip,
      0n,
      0n,
      4,
      3,
    ]);
    await expectRevert(readRegistry('epochInfo', [1n]), 'UnknownEpoch');
  });

  it('names keys by the same compressed bytes as the protocol', async () => {
    const hash = await chain.walletClient.deployContract({
      abi: bls12381HarnessAbi,
      bytecode: bls12381HarnessBytecode,
    });
    const harness = (await chain.publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
    for (const committee of [fixture.committee, next, makeCommittee(4, 3), makeCommittee(4, 4)]) {
      const compressed = await chain.publicClient.readContract({
        address: harness,
        abi: bls12381HarnessAbi,
        functionName: 'compressG1',
        args: [committee.groupPublicKeyEip],
      });
      expect(compressed).toBe(bytesToHex(committee.groupPublicKey));
    }
  });

  it('computes the same rotation message as the documented encoding', async () => {
    const rotation = rotationTo(next, 1n, 5n);
    expect(
      await readRegistry('rotationMessage', [1n, 5n, next.n, next.t, bytesToHex(next.groupPublicKey)]),
    ).toBe(rotationMessage(rotation, next.groupPublicKey));
  });

  it('refuses a rotation without a valid certificate of the current key', async () => {
    const rotation = rotationTo(next, 1n, 5n);
    const message = rotationMessage(rotation, next.groupPublicKey);
    // Signed by the incoming committee instead of the current one.
    await expectRevert(rotate(rotation, thresholdSign(next, message)), 'InvalidRotationCertificate');
    await expectRevert(
      rotate(rotation, thresholdSign(makeCommittee(4, 50), message)),
      'InvalidRotationCertificate',
    );
    // Signed by the current key over other parameters.
    const otherActivation = rotationMessage({ ...rotation, activationHeight: 6n }, next.groupPublicKey);
    await expectRevert(
      rotate(rotation, thresholdSign(fixture.committee, otherActivation)),
      'InvalidRotationCertificate',
    );
    // Signed for threshold t, submitted with threshold 1.
    await expectRevert(
      rotate({ ...rotation, threshold: 1 }, thresholdSign(fixture.committee, message)),
      'InvalidRotationCertificate',
    );
    await expectRevert(rotate(rotation, `0x${'00'.repeat(256)}`), 'IdentityPoint');
  });

  it('refuses rotations to a wrong epoch, a non-increasing activation, a bad threshold or a bad key', async () => {
    const signed = (rotation: Rotation) =>
      rotate(rotation, thresholdSign(fixture.committee, rotationMessage(rotation, next.groupPublicKey)));
    await expectRevert(signed(rotationTo(next, 2n, 5n)), 'EpochNotNext');
    await expectRevert(signed(rotationTo(next, 0n, 5n)), 'EpochNotNext');
    await expectRevert(signed(rotationTo(next, 1n, 0n)), 'ActivationNotAfterCurrent');
    await expectRevert(signed({ ...rotationTo(next, 1n, 5n), threshold: 0 }), 'InvalidThreshold');
    await expectRevert(signed({ ...rotationTo(next, 1n, 5n), threshold: 8 }), 'InvalidThreshold');
    const zeroSignature: Hex = `0x${'00'.repeat(256)}`;
    await expectRevert(
      rotate({ ...rotationTo(next, 1n, 5n), groupPublicKey: `0x${'00'.repeat(128)}` }, zeroSignature),
      'IdentityPoint',
    );
    await expectRevert(
      rotate({ ...rotationTo(next, 1n, 5n), groupPublicKey: G1_OFF_CURVE }, zeroSignature),
      'G1MsmPrecompileFailed',
    );
    await expectRevert(
      rotate({ ...rotationTo(next, 1n, 5n), groupPublicKey: g1OnCurveOutsideSubgroup() }, zeroSignature),
      'G1MsmPrecompileFailed',
    );
    await expectRevert(
      rotate(
        { ...rotationTo(next, 1n, 5n), groupPublicKey: next.groupPublicKeyEip.slice(0, -2) as Hex },
        zeroSignature,
      ),
      'InvalidPointLength',
    );
  });

  it('rotates with a certificate of the current key; the old key is refused from the activation height on', async () => {
    // Heights 1..2 under the genesis key.
    for (let height = 1; height <= 2; height++) {
      const block = headers.next({ epoch: 0 });
      await mined(submit(block.header, certify(fixture.committee, block.header, fixture.domain)));
    }
    const rotation = rotationTo(next, 1n, 5n);
    const receipt = await mined(
      rotate(rotation, thresholdSign(fixture.committee, rotationMessage(rotation, next.groupPublicKey))),
    );
    const [event] = parseEventLogs({
      abi: committeeRegistryAbi,
      logs: receipt.logs,
      eventName: 'CommitteeRotated',
    });
    expect(event?.args).toEqual({
      epoch: 1n,
      activationHeight: 5n,
      committeeSize: 7,
      threshold: 5,
      groupPublicKey: bytesToHex(next.groupPublicKey),
    });
    expect(await readRegistry('currentEpoch')).toBe(1n);
    expect(await readRegistry('epochInfo', [0n])).toEqual([
      fixture.committee.groupPublicKeyEip,
      0n,
      5n,
      4,
      3,
    ]);
    expect(await readRegistry('epochInfo', [1n])).toEqual([next.groupPublicKeyEip, 5n, 0n, 7, 5]);

    // Height 3: still epoch 0, the old key is valid below the activation height.
    const third = headers.next({ epoch: 0 });
    await mined(submit(third.header, certify(fixture.committee, third.header, fixture.domain)));
    // Height 4 claiming epoch 1 is below its activation.
    const fourth = headers.next({ epoch: 1 });
    await expectRevert(
      submit(fourth.header, certify(next, fourth.header, fixture.domain)),
      'HeightOutsideEpoch',
    );
    // Height 5 and later: the old committee is refused, as epoch 0 and as epoch 1.
    headers.blocks.pop();
    headers.next({ epoch: 0 });
    const fifthOld = headers.next({ epoch: 0 });
    await expectRevert(
      submit(fifthOld.header, certify(fixture.committee, fifthOld.header, fixture.domain)),
      'HeightOutsideEpoch',
    );
    headers.blocks.pop();
    const fifth = headers.next({ epoch: 1 });
    await expectRevert(
      submit(fifth.header, certify(fixture.committee, fifth.header, fixture.domain)),
      'InvalidCertificate',
    );
    await mined(submit(fifth.header, certify(next, fifth.header, fixture.domain)));
  });

  it('refuses a replayed rotation and a rotation signed by a retired key', async () => {
    const replay = rotationTo(next, 1n, 5n);
    await expectRevert(
      rotate(replay, thresholdSign(fixture.committee, rotationMessage(replay, next.groupPublicKey))),
      'EpochNotNext',
    );
    const third = makeCommittee(4, 9);
    const rotation = rotationTo(third, 2n, 10n);
    const message = rotationMessage(rotation, third.groupPublicKey);
    await expectRevert(
      rotate(rotation, thresholdSign(fixture.committee, message)),
      'InvalidRotationCertificate',
    );
    await mined(rotate(rotation, thresholdSign(next, message)));
    expect(await readRegistry('currentEpoch')).toBe(2n);
  });
});
