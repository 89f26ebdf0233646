import { equivocationRegistryAbi } from '@synod/contracts/abi';
import {
  blsPublicKey,
  blsSign,
  type Evidence,
  g1ToEip2537,
  g2ToEip2537,
  toLowerHex,
  VoteKind,
} from '@synod/protocol';
import {
  BaseError,
  ContractFunctionRevertedError,
  concatHex,
  encodeAbiParameters,
  encodeErrorResult,
  type Hex,
  keccak256,
  type PublicClient,
} from 'viem';
import { describe, expect, it } from 'vitest';
import { EvidenceJob, L1_MAX_PENDING_EVIDENCE } from '../../src/l1/evidence.ts';

/**
 * The evidence job against a stubbed registry: what it sends for an offence, that it sends
 * nothing for one already recorded, that AlreadyRecorded is a duplicate and that its queue is
 * bounded. (End to end on anvil: testnet/test/byzantine.e2e.test.ts, --strategy equivocate.)
 */

const REGISTRY = '0x00000000000000000000000000000000000000e7';
const COMMITMENTS = `0x${'ab'.repeat(384)}` as Hex;
const secretKey = new Uint8Array(32).fill(3);
/** A valid G1 point (a public key) standing in for commitments. */
const G1_GENERATOR = blsPublicKey(new Uint8Array(32).fill(5));

function evidence(height: number, validatorIndex = 2): Evidence {
  const vote = (blockByte: string) => {
    const body = {
      kind: VoteKind.Prevote,
      networkId: 7,
      height,
      round: 1,
      blockId: `0x${blockByte.repeat(32)}` as Hex,
    };
    return {
      ...body,
      validatorIndex,
      signature: blsSign(secretKey, new Uint8Array(32).fill(height)),
      extension: null,
    };
  };
  return { first: vote('a1'), second: vote('b2') };
}

function job() {
  const recorded = new Set<Hex>();
  const publicClient = {
    readContract: async ({ functionName, args }: { functionName: string; args: [Hex] }) => {
      expect(functionName).toBe('recorded');
      return recorded.has(args[0]);
    },
  } as unknown as PublicClient;
  const evidenceJob = new EvidenceJob({
    publicClient,
    target: { registry: REGISTRY, epoch: 3, commitments: COMMITMENTS },
    context: { nowMs: () => 0, reachableSinceMs: () => 0, markReachable: () => {} },
  });
  return { evidenceJob, recorded };
}

describe('L1 evidence job', () => {
  it('sends recordEquivocation with the epoch, the votes as EIP-2537 and the commitments', async () => {
    const { evidenceJob } = job();
    const offence = evidence(40);
    evidenceJob.add(offence);
    evidenceJob.add(offence); // the same offence again (gossip and own detection): queued once
    expect(evidenceJob.pending).toBe(1);
    expect(evidenceJob.wantsRound()).toBe(true);
    const call = await evidenceJob.next();
    expect(call).toMatchObject({
      kind: 'recordEquivocation',
      height: 40,
      address: REGISTRY,
      functionName: 'recordEquivocation',
    });
    expect(call!.args).toEqual([
      3n,
      2,
      40n,
      1,
      VoteKind.Prevote,
      COMMITMENTS,
      { blockId: offence.first.blockId, signature: toLowerHex(g2ToEip2537(offence.first.signature)) },
      { blockId: offence.second.blockId, signature: toLowerHex(g2ToEip2537(offence.second.signature)) },
    ]);
    // The registry's offenceId(epoch, height, round, kind, validator).
    expect(evidenceJob.offenceId(offence)).toBe(
      keccak256(
        encodeAbiParameters(
          [{ type: 'uint64' }, { type: 'uint64' }, { type: 'uint32' }, { type: 'uint8' }, { type: 'uint32' }],
          [3n, 40n, 1, VoteKind.Prevote, 2],
        ),
      ),
    );
    evidenceJob.landed(call!);
    expect(evidenceJob.pending).toBe(0);
    expect(evidenceJob.recorded).toBe(1);
    expect(await evidenceJob.next()).toBeUndefined();
  });

  it('sends nothing for an offence another node recorded, and takes AlreadyRecorded as a duplicate', async () => {
    const { evidenceJob, recorded } = job();
    const offence = evidence(41);
    evidenceJob.add(offence);
    recorded.add(evidenceJob.offenceId(offence));
    expect(await evidenceJob.next()).toBeUndefined();
    expect(evidenceJob.pending).toBe(0);

    const alreadyRecorded = new BaseError('reverted', {
      cause: new ContractFunctionRevertedError({
        abi: equivocationRegistryAbi,
        functionName: 'recordEquivocation',
        data: encodeErrorResult({
          abi: equivocationRegistryAbi,
          errorName: 'AlreadyRecorded',
          args: [`0x${'00'.repeat(32)}`],
        }),
      }),
    });
    expect(evidenceJob.isDuplicateRevert(alreadyRecorded)).toBe(true);
    const badSignature = new BaseError('reverted', {
      cause: new ContractFunctionRevertedError({
        abi: equivocationRegistryAbi,
        functionName: 'recordEquivocation',
        data: encodeErrorResult({
          abi: equivocationRegistryAbi,
          errorName: 'InvalidVoteSignature',
          args: [0n],
        }),
      }),
    });
    expect(evidenceJob.isDuplicateRevert(badSignature)).toBe(false);
  });

  it('posts one offence per validator: an equivocator at every height costs one transaction, not one a height', async () => {
    const { evidenceJob } = job();
    for (let height = 10; height < 20; height++) evidenceJob.add(evidence(height, 1));
    evidenceJob.add(evidence(10, 3));
    expect(evidenceJob.pending).toBe(2);
    const call = await evidenceJob.next();
    expect(call?.height).toBe(10);
    evidenceJob.landed(call!);
    evidenceJob.add(evidence(30, 1)); // validator 1 is on record already
    expect(evidenceJob.pending).toBe(1);
  });

  it('holds at most L1_MAX_PENDING_EVIDENCE offences', () => {
    const { evidenceJob } = job();
    for (let validator = 0; validator < L1_MAX_PENDING_EVIDENCE + 10; validator++)
      evidenceJob.add(evidence((validator % 250) + 1, validator));
    expect(evidenceJob.pending).toBe(L1_MAX_PENDING_EVIDENCE);
  });

  it('registers a later epoch from its transition record before recording its offence, once', async () => {
    const registered = new Set<bigint>();
    const publicClient = {
      readContract: async ({ functionName, args }: { functionName: string; args: [unknown] }) =>
        functionName === 'commitmentsHash'
          ? registered.has(args[0] as bigint)
            ? `0x${'11'.repeat(32)}`
            : `0x${'00'.repeat(32)}`
          : false,
    } as unknown as PublicClient;
    // A stand-in record: the job passes its fields to the registry, which checks them.
    const record = {
      epoch: 4,
      validatorCount: 5,
      commitments: [1, 2, 3, 4].map(() => G1_GENERATOR),
      signature: blsSign(secretKey, new Uint8Array(32)),
    };
    const evidenceJob = new EvidenceJob({
      publicClient,
      target: {
        registry: REGISTRY,
        epoch: 3,
        commitments: COMMITMENTS,
        epochAt: (height) => (height >= 100 ? { epoch: 4, record } : { epoch: 3 }),
      },
      context: { nowMs: () => 0, reachableSinceMs: () => 0, markReachable: () => {} },
    });
    evidenceJob.add(evidence(120, 4));
    evidenceJob.add(evidence(121, 4)); // the same validator, same epoch: one offence is enough
    evidenceJob.add(evidence(50, 4)); // the same index in another epoch: another validator's offence
    expect(evidenceJob.pending).toBe(2);
    const register = await evidenceJob.next();
    expect(register).toMatchObject({
      kind: 'registerTransition',
      registersEpoch: 4,
      functionName: 'registerTransition',
    });
    const commitments4 = concatHex(record.commitments.map((c) => toLowerHex(g1ToEip2537(c))));
    expect(register!.args).toEqual([4n, 5, commitments4, toLowerHex(g2ToEip2537(record.signature))]);
    // Landing it does not consume the offence: the record goes next, with the epoch's commitments.
    evidenceJob.landed(register!);
    registered.add(4n);
    expect(await evidenceJob.isStillWanted(register!)).toBe(false);
    const call = await evidenceJob.next();
    expect(call).toMatchObject({ kind: 'recordEquivocation', height: 120 });
    expect(call!.args.slice(0, 1)).toEqual([4n]);
    expect(call!.args[5]).toBe(commitments4);
  });
});
