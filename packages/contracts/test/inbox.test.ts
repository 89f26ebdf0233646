import {
  type BlockHeader,
  certificateMessage,
  type NamespaceExclusion,
  type NetworkDomain,
  namespaceExclusionProof,
  namespaceInclusionProof,
  type Transaction,
  transactionLeaf,
} from '@synod/protocol';
import { type Address, encodeFunctionData, type Hex, keccak256, parseEventLogs, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceExclusionArgs, namespaceLeafProofArgs } from '../src/calls.ts';
import { deploySynod } from '../src/deploy.ts';
import { startTestChain, type TestChain } from './helpers/chain.ts';
import { expectRevert, inboxAbi } from './helpers/contracts.ts';
import { runHonestDkg } from './helpers/dkg.ts';
import { merkleProof, transactionLeafHash } from './helpers/merkle.ts';
import {
  type BuiltBlock,
  certify,
  deployFixture,
  type Fixture,
  HeaderChain,
  headerArgs,
  makeCommittee,
  sampleTransaction,
  thresholdSign,
  ZERO_HASH,
} from './helpers/synod.ts';

let chain: TestChain;
let fixture: Fixture;
let headers: HeaderChain;

beforeAll(async () => {
  chain = await startTestChain();
  fixture = await deployFixture(chain, { n: 4 });
  headers = new HeaderChain(fixture.domain);
});

afterAll(async () => {
  await chain?.anvil.stop();
});

function submit(header: BlockHeader, signature: Hex, round = 0) {
  return chain.walletClient.writeContract({
    address: fixture.deployment.inbox,
    abi: inboxAbi,
    functionName: 'submitHeader',
    args: [headerArgs(header), { round, signature }],
  });
}

async function submitOk(block: BuiltBlock, round = 0) {
  const hash = await submit(
    block.header,
    certify(fixture.committee, block.header, fixture.domain, round),
    round,
  );
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe('success');
  return receipt;
}

const read = <T>(functionName: string, args: readonly unknown[] = []) =>
  chain.publicClient.readContract({
    address: fixture.deployment.inbox,
    abi: inboxAbi,
    functionName,
    args,
  } as never) as Promise<T>;

/** A header certified correctly for `domain` (possibly another deployment's). */
function certifiedFor(domain: NetworkDomain, header: BlockHeader): Hex {
  return certify(fixture.committee, header, domain);
}

describe('SettlementInbox.submitHeader', () => {
  it('accepts a header whose certificate was recovered from t partial signatures, and stores only its hash', async () => {
    const block = headers.next();
    const receipt = await submitOk(block);
    const [event] = parseEventLogs({ abi: inboxAbi, logs: receipt.logs, eventName: 'HeaderSubmitted' });
    expect(event?.args).toEqual({ height: 1n, headerHash: block.hash, epoch: 0n, round: 0 });
    expect(await read<bigint>('latestHeight')).toBe(1n);
    expect(await read<Hex>('headerHashes', [1n])).toBe(block.hash);
    expect(await read<Hex>('hashHeader', [headerArgs(block.header)])).toBe(block.hash);
  });

  it('accepts certificates of a committee keyed by the DKG, from any t of its n shares', async () => {
    const committee = runHonestDkg(7, 1);
    const deployment = await deploySynod(chain.walletClient, chain.publicClient, {
      networkId: BigInt(fixture.domain.networkId),
      genesisEpoch: 0n,
      groupPublicKey: committee.groupPublicKeyEip,
      committeeSize: committee.n,
      threshold: committee.t,
    });
    const domain = { ...fixture.domain, inbox: deployment.inbox.toLowerCase() as Address };
    const dkgHeaders = new HeaderChain(domain);
    for (const offset of [0, 2, 4]) {
      const block = dkgHeaders.next();
      const signature = thresholdSign(committee, certificateMessage(block.header, domain, 0), offset);
      const hash = await chain.walletClient.writeContract({
        address: deployment.inbox,
        abi: inboxAbi,
        functionName: 'submitHeader',
        args: [headerArgs(block.header), { round: 0, signature }],
      });
      expect((await chain.publicClient.waitForTransactionReceipt({ hash })).status).toBe('success');
    }
  });

  it('accepts a certificate of a later round and heights with gaps', async () => {
    headers.next();
    const third = headers.next();
    await submitOk(third, 3);
    expect(await read<bigint>('latestHeight')).toBe(3n);
    expect(await read<Hex>('headerHashes', [2n])).toBe(ZERO_HASH);
  });

  it('rejects a replayed header and a lower height', async () => {
    const replayed = headers.blocks[2]!;
    await expectRevert(
      submit(replayed.header, certify(fixture.committee, replayed.header, fixture.domain)),
      'HeightNotIncreasing',
    );
    const skipped = headers.blocks[1]!;
    await expectRevert(
      submit(skipped.header, certify(fixture.committee, skipped.header, fixture.domain)),
      'HeightNotIncreasing',
    );
  });

  it('rejects a certificate of another key', async () => {
    const block = headers.next();
    const stranger = makeCommittee(4, 99);
    await expectRevert(
      submit(block.header, certify(stranger, block.header, fixture.domain)),
      'InvalidCertificate',
    );
  });

  it('rejects a certificate over another message: other round, other height', async () => {
    const block = headers.blocks.at(-1)!;
    await expectRevert(
      submit(block.header, certify(fixture.committee, block.header, fixture.domain, 1), 2),
      'InvalidCertificate',
    );
    const otherHeight = { ...block.header, height: block.header.height + 1 };
    await expectRevert(
      submit(otherHeight, certify(fixture.committee, block.header, fixture.domain)),
      'InvalidCertificate',
    );
  });

  it('rejects a header certified for another L1 chain id or another inbox', async () => {
    const block = headers.blocks.at(-1)!;
    await expectRevert(
      submit(block.header, certifiedFor({ ...fixture.domain, chainId: 1 }, block.header)),
      'InvalidCertificate',
    );
    const otherInbox = '0x00000000000000000000000000000000deadbeef' as Address;
    await expectRevert(
      submit(block.header, certifiedFor({ ...fixture.domain, inbox: otherInbox }, block.header)),
      'InvalidCertificate',
    );
  });

  it('rejects a header of another network even with a valid certificate for it', async () => {
    const block = headers.blocks.at(-1)!;
    const header = { ...block.header, networkId: fixture.domain.networkId + 1 };
    const domain = { ...fixture.domain, networkId: header.networkId };
    await expectRevert(submit(header, certifiedFor(domain, header)), 'WrongNetwork');
  });

  it('rejects every header version but 2 (version 1 has no namespace commitment)', async () => {
    const block = headers.blocks.at(-1)!;
    for (const version of [1, 3]) {
      const header = { ...block.header, version };
      // @synod/protocol hashes version 2 only: the version check comes before the certificate.
      await expectRevert(submit(header, ZERO_HASH), 'UnsupportedHeaderVersion');
    }
  });

  it('takes headers of later epochs no rotation registered under the current key (a reshare keeps it), and nothing else', async () => {
    const deployment = await deploySynod(chain.walletClient, chain.publicClient, {
      networkId: BigInt(fixture.domain.networkId),
      genesisEpoch: 0n,
      groupPublicKey: fixture.committee.groupPublicKeyEip,
      committeeSize: 4,
      threshold: 3,
    });
    const domain = { ...fixture.domain, inbox: deployment.inbox.toLowerCase() as Address };
    const chainOfEpochs = new HeaderChain(domain);
    const send = (header: BlockHeader, signature: Hex) =>
      chain.walletClient.writeContract({
        address: deployment.inbox,
        abi: inboxAbi,
        functionName: 'submitHeader',
        args: [headerArgs(header), { round: 0, signature }],
      });
    for (const epoch of [0, 1, 2]) {
      const header = { ...chainOfEpochs.next().header, epoch };
      const hash = await send(header, certify(fixture.committee, header, domain));
      expect((await chain.publicClient.waitForTransactionReceipt({ hash })).status, `epoch ${epoch}`).toBe(
        'success',
      );
    }
    // Another key (a fresh DKG) needs a rotation first.
    const other = { ...chainOfEpochs.next().header, epoch: 3 };
    await expectRevert(send(other, certify(makeCommittee(4, 3), other, domain)), 'InvalidCertificate');
  });

  it('rejects tampered roots, counts and fields under the original certificate', async () => {
    const block = headers.blocks.at(-1)!;
    const signature = certify(fixture.committee, block.header, fixture.domain);
    const other: Hex = `0x${'11'.repeat(32)}`;
    const tampered: Partial<BlockHeader>[] = [
      { txRoot: other },
      { namespaceRoot: other },
      { namespaceCount: block.header.namespaceCount + 1 },
      { priceRoot: other },
      { historyRoot: other },
      { parentHash: other },
      { txCount: block.header.txCount + 1 },
      { priceCount: 1 },
      { timestampMs: block.header.timestampMs + 1 },
      { proposerIndex: 3 },
    ];
    for (const change of tampered) {
      await expectRevert(submit({ ...block.header, ...change }, signature), 'InvalidCertificate');
    }
  });

  it('rejects the identity, off-curve and wrong-length signatures', async () => {
    const block = headers.blocks.at(-1)!;
    const valid = certify(fixture.committee, block.header, fixture.domain);
    await expectRevert(submit(block.header, `0x${'00'.repeat(256)}`), 'IdentityPoint');
    // Flip the last byte of y.c1: the point leaves the curve.
    const offCurve =
      `${valid.slice(0, -2)}${(Number.parseInt(valid.slice(-2), 16) ^ 1).toString(16).padStart(2, '0')}` as Hex;
    await expectRevert(submit(block.header, offCurve), 'PairingPrecompileFailed');
    // A coordinate ≥ p (the 16 padding bytes of an Fp element must be zero).
    const unpadded = `0x01${valid.slice(4)}` as Hex;
    await expectRevert(submit(block.header, unpadded), 'PairingPrecompileFailed');
    await expectRevert(submit(block.header, valid.slice(0, -2) as Hex), 'InvalidPointLength');
    await expectRevert(submit(block.header, `${valid}00`), 'InvalidPointLength');
  });

  it('reverts on truncated calldata', async () => {
    const block = headers.blocks.at(-1)!;
    const data = encodeFunctionData({
      abi: inboxAbi,
      functionName: 'submitHeader',
      args: [
        headerArgs(block.header),
        { round: 0, signature: certify(fixture.committee, block.header, fixture.domain) },
      ],
    });
    for (const keptBytes of [4, 100, 4 + 12 * 32, (data.length - 2) / 2 - 1]) {
      const hash = await chain.walletClient.sendTransaction({
        to: fixture.deployment.inbox,
        data: data.slice(0, 2 + keptBytes * 2) as Hex,
        gas: 1_000_000n,
      });
      const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.status, `kept ${keptBytes} bytes`).toBe('reverted');
    }
    expect(await read<bigint>('latestHeight')).toBe(3n);
    // The untruncated transaction still goes through.
    await submitOk(block);
  });
});

describe('SettlementInbox views', () => {
  it('proves every transaction of a stored header and refuses wrong leaves, indices and proofs', async () => {
    const block = headers.blocks.at(-1)!;
    const leaves = block.transactions.map(transactionLeafHash);
    const header = headerArgs(block.header);
    for (let index = 0; index < leaves.length; index++) {
      const proof = merkleProof(leaves, index);
      expect(await read('verifyTransaction', [header, block.transactions[index], BigInt(index), proof])).toBe(
        true,
      );
    }
    const proof0 = merkleProof(leaves, 0);
    expect(await read('verifyTransaction', [header, block.transactions[1], 0n, proof0])).toBe(false);
    expect(await read('verifyTransaction', [header, block.transactions[0], 1n, proof0])).toBe(false);
    expect(await read('verifyTransaction', [header, block.transactions[0], 2n, proof0])).toBe(false);
    expect(await read('verifyTransaction', [header, block.transactions[0], 0n, [...proof0, ZERO_HASH]])).toBe(
      false,
    );
    const tampered = { ...block.transactions[0]!, nonce: 9n };
    expect(await read('verifyTransaction', [header, tampered, 0n, proof0])).toBe(false);
  });

  it('proves a transaction leaf built by @synod/protocol from the signed transaction', async () => {
    const transaction: Transaction = {
      networkId: fixture.domain.networkId,
      namespace: keccak256(toHex('dex')),
      sender: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
      nonce: 42n,
      payload: toHex('buy 1 ETH @ 3000'),
      validUntil: 2_000_000_000n,
    };
    const txId = keccak256(toHex('some EIP-712 digest'));
    const onChainLeaf = {
      txId,
      sender: transaction.sender,
      namespace: transaction.namespace,
      nonce: transaction.nonce,
      payloadHash: keccak256(transaction.payload),
    };
    expect(transactionLeafHash(onChainLeaf)).toBe(transactionLeaf(transaction, txId));
    const block = headers.next({
      transactions: [sampleTransaction(99, 0), onChainLeaf, sampleTransaction(99, 2)],
    });
    await submitOk(block);
    const leaves = block.transactions.map(transactionLeafHash);
    expect(
      await read('verifyTransaction', [headerArgs(block.header), onChainLeaf, 1n, merkleProof(leaves, 1)]),
    ).toBe(true);
  });

  it('refuses to prove against a header that is not stored', async () => {
    const block = headers.blocks[1]!; // height 2 was never posted
    const leaves = block.transactions.map(transactionLeafHash);
    await expectRevert(
      read('verifyTransaction', [
        headerArgs(block.header),
        block.transactions[0],
        0n,
        merkleProof(leaves, 0),
      ]),
      'HeaderNotStored',
    );
    const stored = headers.blocks.at(-1)!;
    const forged = { ...stored.header, txRoot: `0x${'22'.repeat(32)}` as Hex };
    await expectRevert(
      read('verifyTransaction', [headerArgs(forged), block.transactions[0], 0n, []]),
      'HeaderNotStored',
    );
  });

  it('proves a never-posted header and its transactions through a stored header history', async () => {
    const anchor = headers.blocks.at(-1)!;
    const never = headers.blocks[1]!;
    const historyProof = headers.historyProof(never.header.height, anchor.header.height);
    const anchorArgs = headerArgs(anchor.header);
    expect(await read('verifyHeader', [anchorArgs, headerArgs(never.header), historyProof])).toBe(true);
    for (const older of headers.blocks.slice(0, anchor.header.height - 1)) {
      const proof = headers.historyProof(older.header.height, anchor.header.height);
      expect(await read('verifyHeader', [anchorArgs, headerArgs(older.header), proof])).toBe(true);
    }
    const leaves = never.transactions.map(transactionLeafHash);
    expect(
      await read('verifyTransactionInHistory', [
        anchorArgs,
        headerArgs(never.header),
        historyProof,
        never.transactions[1],
        1n,
        merkleProof(leaves, 1),
      ]),
    ).toBe(true);
    const forged = { ...never.header, txRoot: `0x${'33'.repeat(32)}` as Hex };
    expect(await read('verifyHeader', [anchorArgs, headerArgs(forged), historyProof])).toBe(false);
    await expectRevert(
      read('verifyHeader', [anchorArgs, anchorArgs, historyProof]),
      'HistoryHeightOutOfRange',
    );
  });
});

describe('SettlementInbox namespace views', () => {
  const ns = (value: number): Hex => toHex(value, { size: 32 });
  const leafOf = (namespace: Hex, position: number) => ({ ...sampleTransaction(500, position), namespace });
  let block: BuiltBlock;
  let empty: BuiltBlock;

  beforeAll(async () => {
    // Namespaces 0x10 < 0x30 < 0x50, in block order 0x30, 0x10, 0x30, 0x50.
    block = headers.next({
      transactions: [leafOf(ns(0x30), 0), leafOf(ns(0x10), 1), leafOf(ns(0x30), 2), leafOf(ns(0x50), 3)],
    });
    empty = headers.next({ transactions: [] });
    await submitOk(block);
    await submitOk(empty);
  });

  const exclusion = (header: BlockHeader, namespace: Hex, proof: NamespaceExclusion) =>
    read<boolean>('verifyNamespaceExclusion', namespaceExclusionArgs(header, namespace, proof));

  it('proves every namespace leaf of a stored header and refuses altered leaves, indices and proofs', async () => {
    expect(block.header.namespaceCount).toBe(3);
    expect(block.namespaces.map((entry) => [entry.namespace, entry.count])).toEqual([
      [ns(0x10), 1],
      [ns(0x30), 2],
      [ns(0x50), 1],
    ]);
    for (const entry of block.namespaces) {
      const inclusion = namespaceInclusionProof(block.namespaces, entry.namespace)!;
      expect(await read('verifyNamespaceLeaf', namespaceLeafProofArgs(block.header, inclusion))).toBe(true);
    }
    const inclusion = namespaceInclusionProof(block.namespaces, ns(0x30))!;
    const altered = [
      { ...inclusion, index: 0 },
      { ...inclusion, index: 3 },
      { ...inclusion, proof: inclusion.proof.slice(1) },
      { ...inclusion, proof: [...inclusion.proof, ZERO_HASH] },
      { ...inclusion, entry: { ...inclusion.entry, count: 1 } },
      { ...inclusion, entry: { ...inclusion.entry, sequenceStart: inclusion.entry.sequenceStart + 1 } },
      { ...inclusion, entry: { ...inclusion.entry, batchHash: ZERO_HASH } },
      { ...inclusion, entry: { ...inclusion.entry, namespace: ns(0x31) } },
    ];
    for (const wrong of altered) {
      expect(await read('verifyNamespaceLeaf', namespaceLeafProofArgs(block.header, wrong))).toBe(false);
    }
  });

  it('proves absence below, between and above the leaves, and in a block without transactions', async () => {
    for (const absent of [ns(0x05), ns(0x20), ns(0x40), ns(0x60)]) {
      const proof = namespaceExclusionProof(block.namespaces, absent);
      expect(await exclusion(block.header, absent, proof), absent).toBe(true);
    }
    expect(namespaceExclusionProof(block.namespaces, ns(0x05)).left).toBeUndefined();
    expect(namespaceExclusionProof(block.namespaces, ns(0x60)).right).toBeUndefined();
    expect(empty.header.namespaceCount).toBe(0);
    expect(await exclusion(empty.header, ns(0x30), {})).toBe(true);
  });

  it('refuses exclusion proofs that break any rule', async () => {
    const at = (namespace: Hex) => namespaceInclusionProof(block.namespaces, namespace)!;
    const [first, middle, last] = [at(ns(0x10)), at(ns(0x30)), at(ns(0x50))];
    const cases: [string, Hex, NamespaceExclusion][] = [
      ['a present namespace between non-adjacent leaves', ns(0x30), { left: first, right: last }],
      ['a present namespace as its own left neighbour', ns(0x30), { left: middle, right: last }],
      ['a present namespace as its own right neighbour', ns(0x30), { left: first, right: middle }],
      ['no neighbours in a non-empty block', ns(0x20), {}],
      ['non-adjacent neighbours', ns(0x40), { left: first, right: last }],
      ['only a left neighbour that is not the last leaf', ns(0x20), { left: first }],
      ['only a right neighbour that is not the first leaf', ns(0x40), { right: last }],
      ['swapped neighbours', ns(0x20), { left: middle, right: first }],
      ['a left neighbour above the namespace', ns(0x05), { right: first, left: first }],
      ['a right neighbour with a bad proof', ns(0x60), { left: { ...last, proof: first.proof } }],
      [
        'a left neighbour with a tampered leaf',
        ns(0x60),
        { left: { ...last, entry: { ...last.entry, count: 9 } } },
      ],
    ];
    for (const [what, namespace, proof] of cases) {
      expect(await exclusion(block.header, namespace, proof), what).toBe(false);
    }
    // A neighbour from another block does not prove anything about the empty one.
    expect(await exclusion(empty.header, ns(0x60), { left: last })).toBe(false);
  });

  it('refuse a header that is not stored', async () => {
    const forged = { ...block.header, namespaceCount: 0, namespaceRoot: ZERO_HASH };
    await expectRevert(exclusion(forged, ns(0x30), {}), 'HeaderNotStored');
    const inclusion = namespaceInclusionProof(block.namespaces, ns(0x30))!;
    await expectRevert(
      read('verifyNamespaceLeaf', namespaceLeafProofArgs(forged, inclusion)),
      'HeaderNotStored',
    );
  });
});
