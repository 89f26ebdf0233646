import {
  namespaceExclusionProof,
  type SignedTransaction,
  transactionDomainSeparator,
  transactionTypedData,
} from '@synod/protocol';
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  concat,
  encodeErrorResult,
  getAddress,
  type Hex,
  hexToBigInt,
  keccak256,
  numberToHex,
  parseEventLogs,
  slice,
  toHex,
} from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reentrantBatchAppAbi } from '../src/artifacts.ts';
import {
  type NamespaceBatch,
  namespaceExclusionArgs,
  settleBatchArgs,
  settleBatchFromHistoryArgs,
  submitHeaderAndSettleBatchArgs,
  synodTransactionArgs,
} from '../src/calls.ts';
import {
  batchOf,
  deployApp,
  namespaceOf,
  postHeader,
  recorderAbi,
  requireBatch,
  TransactionFactory,
  USERS,
} from './helpers/batches.ts';
import { startTestChain, type TestChain } from './helpers/chain.ts';
import { inboxAbi } from './helpers/contracts.ts';
import {
  type BlockTransaction,
  type BuiltBlock,
  certify,
  deployFixture,
  type Fixture,
  HeaderChain,
  ZERO_HASH,
} from './helpers/synod.ts';

const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const REJECTION = toHex('payload starts with 0xff');

let chain: TestChain;
let fixture: Fixture;
let headers: HeaderChain;
let factory: TransactionFactory;

beforeAll(async () => {
  chain = await startTestChain();
  fixture = await deployFixture(chain, { n: 4 });
  headers = new HeaderChain(fixture.domain);
  factory = new TransactionFactory(fixture);
  // Height 1 is a filler, so every block of a test has a parent whose hash depends on the domain.
  await postHeader(chain, fixture, headers.next());
});

afterAll(async () => {
  await chain?.anvil.stop();
});

type Batch = NamespaceBatch;

/** Sends a call of `functionName` to app `app` (viem simulates it first: a revert throws). */
async function send(app: Address, functionName: string, args: readonly unknown[]) {
  const hash = await chain.walletClient.writeContract({
    address: app,
    abi: recorderAbi,
    functionName,
    args,
  } as never);
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe('success');
  return receipt;
}

const settle = (app: Address, block: BuiltBlock, batch: Batch) =>
  send(app, 'settleBatch', settleBatchArgs(block.header, batch));

const read = <T>(app: Address, functionName: string, args: readonly unknown[] = []) =>
  chain.publicClient.readContract({
    address: app,
    abi: recorderAbi,
    functionName,
    args,
  } as never) as Promise<T>;

/** The custom error a call reverted with: name and decoded arguments. */
async function revertOf(action: Promise<unknown>): Promise<{ name: string; args: readonly unknown[] }> {
  try {
    await action;
  } catch (error) {
    if (error instanceof BaseError) {
      const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
      if (reverted instanceof ContractFunctionRevertedError && reverted.data !== undefined) {
        return { name: reverted.data.errorName, args: reverted.data.args ?? [] };
      }
    }
    throw error;
  }
  throw new Error('expected a revert');
}

async function expectError(action: Promise<unknown>, name: string, args?: readonly unknown[]) {
  const reverted = await revertOf(action);
  expect(reverted.name).toBe(name);
  if (args !== undefined) expect(reverted.args).toEqual(args);
}

interface AppliedRecord {
  sequence: bigint;
  height: bigint;
  txId: Hex;
  sender: Address;
  payloadHash: Hex;
}

const recordOf = (entry: BlockTransaction, sequence: number, height: number): AppliedRecord => ({
  sequence: BigInt(sequence),
  height: BigInt(height),
  txId: entry.txId,
  sender: getAddress(entry.tx.sender),
  payloadHash: keccak256(entry.tx.payload),
});

/** A batch whose transactions are replaced (the leaf and its proof stay). */
const withTransactions = (batch: Batch, transactions: readonly SignedTransaction[]): Batch => ({
  ...batch,
  transactions,
});

const withSignature = (batch: Batch, index: number, signature: Hex): Batch =>
  withTransactions(
    batch,
    batch.transactions.map((tx, i) => (i === index ? { ...tx, signature } : tx)),
  );

describe('SynodBatchSettlement.settleBatch', () => {
  it('applies exactly the namespace transactions of a stored header, in block order, with sequence numbers', async () => {
    const ns = namespaceOf('settle in order');
    const other = namespaceOf('settle in order: other app');
    const app = await deployApp(chain, fixture, 'recorder', ns);
    const txs = [
      await factory.sign(USERS[0]!, ns),
      await factory.sign(USERS[1]!, other),
      await factory.sign(USERS[1]!, ns, toHex('second')),
      await factory.sign(USERS[2]!, ns, toHex('third')),
    ];
    const block = headers.next({ transactions: txs });
    await postHeader(chain, fixture, block);
    const receipt = await settle(app, block, requireBatch(block, ns));
    const height = block.header.height;
    expect(await read(app, 'allApplied')).toEqual([
      recordOf(txs[0]!, 0, height),
      recordOf(txs[2]!, 1, height),
      recordOf(txs[3]!, 2, height),
    ]);
    const events = parseEventLogs({ abi: recorderAbi, logs: receipt.logs });
    expect(events.map((event) => event.eventName)).toEqual(['BatchSettled']);
    expect(events[0]!.args).toEqual({ height: BigInt(height), sequenceStart: 0n, count: 3, rejected: 0 });
    expect(await read(app, 'appliedCount')).toBe(3n);
    expect(await read(app, 'lastSettledHeight')).toBe(BigInt(height));
    expect(await read(app, 'namespace')).toBe(ns);
    expect(await read(app, 'inbox')).toBe(getAddress(fixture.deployment.inbox));
    expect(await read(app, 'domainSeparator')).toBe(transactionDomainSeparator(fixture.domain));
    for (const { tx, txId } of txs) {
      expect(await read(app, 'transactionId', [synodTransactionArgs(tx as SignedTransaction)])).toBe(txId);
    }
  });

  it('emits TransactionRejected with the reason for a transaction the app refuses, and goes on', async () => {
    const ns = namespaceOf('app rejections');
    const app = await deployApp(chain, fixture, 'recorder', ns);
    const txs = [
      await factory.sign(USERS[0]!, ns, '0x01'),
      await factory.sign(USERS[1]!, ns, '0xff00'),
      await factory.sign(USERS[2]!, ns, '0x02'),
    ];
    const block = headers.next({ transactions: txs });
    await postHeader(chain, fixture, block);
    const receipt = await settle(app, block, requireBatch(block, ns));
    const events = parseEventLogs({ abi: recorderAbi, logs: receipt.logs });
    expect(events.map((event) => [event.eventName, event.args])).toEqual([
      ['TransactionRejected', { sequence: 1n, txId: txs[1]!.txId, reason: REJECTION }],
      ['BatchSettled', { height: BigInt(block.header.height), sequenceStart: 0n, count: 3, rejected: 1 }],
    ]);
    const height = block.header.height;
    expect(await read(app, 'allApplied')).toEqual([
      recordOf(txs[0]!, 0, height),
      recordOf(txs[2]!, 2, height),
    ]);
    expect(await read(app, 'appliedCount')).toBe(3n);
  });

  it('needs no call for a height where the namespace is empty (settles h, then h+2)', async () => {
    const ns = namespaceOf('empty heights');
    const other = namespaceOf('empty heights: other app');
    const app = await deployApp(chain, fixture, 'recorder', ns);
    const first = headers.next({
      transactions: [await factory.sign(USERS[0]!, ns), await factory.sign(USERS[1]!, ns)],
    });
    const gap = headers.next({ transactions: [await factory.sign(USERS[2]!, other)] });
    const third = headers.next({
      transactions: [await factory.sign(USERS[3]!, other), await factory.sign(USERS[3]!, ns)],
    });
    for (const block of [first, gap, third]) await postHeader(chain, fixture, block);
    expect(batchOf(gap, ns)).toBeUndefined();
    // Anyone can check that the gap really holds nothing of the namespace.
    expect(
      await chain.publicClient.readContract({
        address: fixture.deployment.inbox,
        abi: inboxAbi,
        functionName: 'verifyNamespaceExclusion',
        args: namespaceExclusionArgs(gap.header, ns, namespaceExclusionProof(gap.namespaces, ns)),
      }),
    ).toBe(true);
    await settle(app, first, requireBatch(first, ns));
    const batch = requireBatch(third, ns);
    expect(batch.inclusion.entry.sequenceStart).toBe(2);
    await settle(app, third, batch);
    expect(await read(app, 'appliedCount')).toBe(3n);
    expect(await read(app, 'lastSettledHeight')).toBe(BigInt(third.header.height));
    expect((await read<AppliedRecord[]>(app, 'allApplied')).map((record) => record.sequence)).toEqual([
      0n,
      1n,
      2n,
    ]);
  });

  it('lets no hook re-enter: the counters moved before the hooks, and every entry point is locked', async () => {
    const ns = namespaceOf('reentrancy');
    const app = await deployApp(chain, fixture, 'reentrant', ns);
    const block = headers.next({
      transactions: [await factory.sign(USERS[0]!, ns), await factory.sign(USERS[1]!, ns)],
    });
    await postHeader(chain, fixture, block);
    const receipt = await settle(app, block, requireBatch(block, ns));
    const reentered = encodeErrorResult({ abi: reentrantBatchAppAbi, errorName: 'ReentrantSettlement' });
    const rejections = parseEventLogs({
      abi: recorderAbi,
      logs: receipt.logs,
      eventName: 'TransactionRejected',
    });
    expect(rejections.map((event) => event.args.reason)).toEqual([reentered, reentered]);
    expect(
      await chain.publicClient.readContract({
        address: app,
        abi: reentrantBatchAppAbi,
        functionName: 'appliedCountSeenByHook',
      }),
    ).toBe(2n);
  });
});

describe('SynodBatchSettlement refuses, each with its own error', () => {
  const ns = namespaceOf('refusals');
  const other = namespaceOf('refusals: other app');
  let app: Address;
  let first: BuiltBlock;
  let second: BuiltBlock;
  let unposted: BuiltBlock;
  let batch: Batch;
  let secondBatch: Batch;
  let foreign: BlockTransaction<SignedTransaction>;

  beforeAll(async () => {
    app = await deployApp(chain, fixture, 'recorder', ns);
    foreign = await factory.sign(USERS[3]!, other);
    first = headers.next({
      transactions: [
        await factory.sign(USERS[0]!, ns, toHex('a')),
        foreign,
        await factory.sign(USERS[1]!, ns, toHex('b')),
        await factory.sign(USERS[2]!, ns, toHex('c')),
      ],
    });
    second = headers.next({
      transactions: [await factory.sign(USERS[0]!, ns), await factory.sign(USERS[2]!, ns)],
    });
    unposted = headers.next({ transactions: [await factory.sign(USERS[1]!, ns)] });
    await postHeader(chain, fixture, first);
    await postHeader(chain, fixture, second);
    batch = requireBatch(first, ns);
    secondBatch = requireBatch(second, ns);
  });

  const attempt = (block: BuiltBlock, header = block.header, candidate: Batch = batch) =>
    send(app, 'settleBatch', settleBatchArgs(header, candidate));

  it('UnsupportedHeaderVersion and WrongNetwork', async () => {
    await expectError(attempt(first, { ...first.header, version: 1 }), 'UnsupportedHeaderVersion', [1]);
    const networkId = fixture.domain.networkId + 1;
    await expectError(attempt(first, { ...first.header, networkId }), 'WrongNetwork', [BigInt(networkId)]);
  });

  it('HeaderNotStored for a header the inbox does not have', async () => {
    await expectError(attempt(unposted, unposted.header, requireBatch(unposted, ns)), 'HeaderNotStored', [
      BigInt(unposted.header.height),
    ]);
  });

  it('HeaderHashMismatch for a header of another chain id or inbox, or a tampered one', async () => {
    const height = first.header.height;
    for (const domain of [
      { ...fixture.domain, chainId: 1 },
      { ...fixture.domain, inbox: '0x00000000000000000000000000000000deadbeef' as Address },
    ]) {
      // The same transactions on another deployment: the same fields but parentHash and historyRoot.
      const elsewhere = new HeaderChain(domain);
      while (elsewhere.blocks.length < height - 1) elsewhere.next();
      const twin = elsewhere.next({ transactions: first.signed });
      expect(twin.header.txRoot).toBe(first.header.txRoot);
      expect(twin.header.parentHash).not.toBe(first.header.parentHash);
      await expectError(attempt(twin, twin.header, requireBatch(twin, ns)), 'HeaderHashMismatch', [
        BigInt(height),
      ]);
    }
    const tampered = { ...first.header, timestampMs: first.header.timestampMs + 1 };
    await expectError(attempt(first, tampered), 'HeaderHashMismatch', [BigInt(height)]);
  });

  it('ForeignNamespaceBatch for the leaf of another namespace', async () => {
    await expectError(attempt(first, first.header, requireBatch(first, other)), 'ForeignNamespaceBatch', [
      other,
    ]);
  });

  it('InvalidNamespaceProof for a wrong index, proof or leaf', async () => {
    const { inclusion } = batch;
    const wrong: Batch['inclusion'][] = [
      { ...inclusion, index: inclusion.index ^ 1 },
      { ...inclusion, proof: inclusion.proof.map(() => ZERO_HASH) },
      { ...inclusion, proof: inclusion.proof.slice(1) },
      { ...inclusion, entry: { ...inclusion.entry, count: inclusion.entry.count - 1 } },
      { ...inclusion, entry: { ...inclusion.entry, batchHash: ZERO_HASH } },
    ];
    expect(first.header.namespaceCount).toBe(2);
    for (const candidate of wrong) {
      await expectError(
        attempt(first, first.header, { ...batch, inclusion: candidate }),
        'InvalidNamespaceProof',
      );
    }
  });

  it('BatchSkipped when an earlier batch of the namespace is unsettled', async () => {
    await expectError(attempt(second, second.header, secondBatch), 'BatchSkipped', [0n, 3n]);
  });

  it('MissingTransactions and ExtraTransactions', async () => {
    const { transactions } = batch;
    await expectError(
      attempt(first, first.header, withTransactions(batch, transactions.slice(0, 2))),
      'MissingTransactions',
      [3, 2n],
    );
    await expectError(
      attempt(first, first.header, withTransactions(batch, [...transactions, secondBatch.transactions[0]!])),
      'ExtraTransactions',
      [3, 4n],
    );
  });

  it('ForeignTransaction and WrongTransactionNetwork name the transaction', async () => {
    const { transactions } = batch;
    const replaced = transactions.map((tx, i) => (i === 1 ? (foreign.tx as SignedTransaction) : tx));
    await expectError(attempt(first, first.header, withTransactions(batch, replaced)), 'ForeignTransaction', [
      1n,
    ]);
    const otherNetwork = transactions.map((tx, i) => (i === 2 ? { ...tx, networkId: tx.networkId + 1 } : tx));
    await expectError(
      attempt(first, first.header, withTransactions(batch, otherNetwork)),
      'WrongTransactionNetwork',
      [2n],
    );
  });

  it('InvalidSignature for another signer, the high-s twin, v not 27/28, a wrong length, an altered payload', async () => {
    const tx = batch.transactions[0]!;
    const stranger = await USERS[3]!.signTypedData(transactionTypedData(tx, fixture.domain));
    await expectError(attempt(first, first.header, withSignature(batch, 0, stranger)), 'InvalidSignature', [
      0n,
    ]);

    const r = slice(tx.signature, 0, 32);
    const s = hexToBigInt(slice(tx.signature, 32, 64));
    const v = Number.parseInt(tx.signature.slice(-2), 16);
    const highS = concat([
      r,
      numberToHex(CURVE_ORDER - s, { size: 32 }),
      numberToHex(v === 27 ? 28 : 27, { size: 1 }),
    ]);
    // The twin is a valid ECDSA signature: the precompile recovers the sender from it.
    const digest = batchTxId(0);
    const recovered = await chain.publicClient.call({
      to: '0x0000000000000000000000000000000000000001',
      data: concat([
        digest,
        numberToHex(v === 27 ? 28 : 27, { size: 32 }),
        r,
        numberToHex(CURVE_ORDER - s, { size: 32 }),
      ]),
    });
    expect(getAddress(slice(recovered.data!, 12, 32))).toBe(getAddress(tx.sender));
    await expectError(attempt(first, first.header, withSignature(batch, 0, highS)), 'InvalidSignature', [0n]);

    const lowV = concat([slice(tx.signature, 0, 64), numberToHex(v - 27, { size: 1 })]);
    await expectError(attempt(first, first.header, withSignature(batch, 0, lowV)), 'InvalidSignature', [0n]);
    await expectError(
      attempt(first, first.header, withSignature(batch, 2, slice(batch.transactions[2]!.signature, 0, 64))),
      'InvalidSignature',
      [2n],
    );
    await expectError(
      attempt(
        first,
        first.header,
        withSignature(batch, 2, concat([batch.transactions[2]!.signature, '0x00'])),
      ),
      'InvalidSignature',
      [2n],
    );
    const altered = batch.transactions.map((entry, i) =>
      i === 1 ? { ...entry, payload: toHex('B') } : entry,
    );
    await expectError(attempt(first, first.header, withTransactions(batch, altered)), 'InvalidSignature', [
      1n,
    ]);
    const later = batch.transactions.map((entry, i) =>
      i === 1 ? { ...entry, validUntil: entry.validUntil + 1n } : entry,
    );
    await expectError(attempt(first, first.header, withTransactions(batch, later)), 'InvalidSignature', [1n]);
  });

  it('BatchMismatch for reordered transactions or another validly signed one', async () => {
    const [a, b, c] = batch.transactions as [SignedTransaction, SignedTransaction, SignedTransaction];
    await expectError(attempt(first, first.header, withTransactions(batch, [b, a, c])), 'BatchMismatch');
    await expectError(
      attempt(first, first.header, withTransactions(batch, [a, b, secondBatch.transactions[0]!])),
      'BatchMismatch',
    );
  });

  it('accepts the batch, then BatchAlreadySettled for its replay', async () => {
    await attempt(first);
    await expectError(attempt(first), 'BatchAlreadySettled', [3n, 0n]);
    await attempt(second, second.header, secondBatch);
    await expectError(attempt(second, second.header, secondBatch), 'BatchAlreadySettled', [5n, 3n]);
    await expectError(attempt(first), 'BatchAlreadySettled', [5n, 0n]);
    expect(await read(app, 'appliedCount')).toBe(5n);
  });

  /** txId of transaction i of the first batch, as the contract computes it. */
  function batchTxId(index: number): Hex {
    return first.signed.filter(({ tx }) => tx.namespace === ns)[index]!.txId;
  }
});

describe('SynodBatchSettlement.submitHeaderAndSettleBatch', () => {
  const ns = namespaceOf('submit and settle');
  let app: Address;

  beforeAll(async () => {
    app = await deployApp(chain, fixture, 'recorder', ns);
  });

  const call = (block: BuiltBlock, signature: Hex, batch = requireBatch(block, ns)) =>
    send(
      app,
      'submitHeaderAndSettleBatch',
      submitHeaderAndSettleBatchArgs(block.header, { round: 0, signature }, batch),
    );

  it('posts the header with its certificate and settles the batch in one transaction', async () => {
    const block = headers.next({
      transactions: [await factory.sign(USERS[0]!, ns), await factory.sign(USERS[1]!, ns)],
    });
    const receipt = await call(block, certify(fixture.committee, block.header, fixture.domain));
    const submitted = parseEventLogs({ abi: inboxAbi, logs: receipt.logs, eventName: 'HeaderSubmitted' });
    expect(submitted.map((event) => event.args.headerHash)).toEqual([block.hash]);
    expect(
      await chain.publicClient.readContract({
        address: fixture.deployment.inbox,
        abi: inboxAbi,
        functionName: 'headerHashes',
        args: [BigInt(block.header.height)],
      }),
    ).toBe(block.hash);
    expect(await read(app, 'appliedCount')).toBe(2n);
  });

  it('skips the submit when the header is already stored (the certificate is then not even read)', async () => {
    const block = headers.next({ transactions: [await factory.sign(USERS[2]!, ns)] });
    await postHeader(chain, fixture, block);
    const receipt = await call(block, `0x${'00'.repeat(256)}`);
    expect(parseEventLogs({ abi: inboxAbi, logs: receipt.logs, eventName: 'HeaderSubmitted' })).toEqual([]);
    expect(await read(app, 'appliedCount')).toBe(3n);
  });

  it('refuses a bad certificate (the inbox error bubbles up) and another header at a stored height', async () => {
    const block = headers.next({ transactions: [await factory.sign(USERS[3]!, ns)] });
    const wrong = certify(fixture.committee, { ...block.header, timestampMs: 1 }, fixture.domain);
    await expectError(call(block, wrong), 'InvalidCertificate');
    await postHeader(chain, fixture, block);
    const tampered = { ...block, header: { ...block.header, proposerIndex: block.header.proposerIndex + 1 } };
    await expectError(
      call(tampered, certify(fixture.committee, tampered.header, fixture.domain), requireBatch(block, ns)),
      'HeaderHashMismatch',
      [BigInt(block.header.height)],
    );
    expect(await read(app, 'appliedCount')).toBe(3n);
  });
});

describe('SynodBatchSettlement.settleBatchFromHistory', () => {
  const ns = namespaceOf('settle from history');
  let app: Address;
  let skipped: BuiltBlock[];
  let anchor: BuiltBlock;

  beforeAll(async () => {
    app = await deployApp(chain, fixture, 'recorder', ns);
    skipped = [
      headers.next({ transactions: [await factory.sign(USERS[0]!, ns), await factory.sign(USERS[1]!, ns)] }),
      headers.next({ transactions: [await factory.sign(USERS[2]!, ns)] }),
    ];
    anchor = headers.next();
    await postHeader(chain, fixture, anchor);
  });

  const call = (anchorBlock: BuiltBlock, block: BuiltBlock, proof?: readonly Hex[]) =>
    send(
      app,
      'settleBatchFromHistory',
      settleBatchFromHistoryArgs(
        anchorBlock.header,
        block.header,
        proof ?? headers.historyProof(block.header.height, anchorBlock.header.height),
        requireBatch(block, ns),
      ),
    );

  it('refuses an anchor that is not stored, a bad history proof and a height out of range', async () => {
    const [older, newer] = skipped as [BuiltBlock, BuiltBlock];
    await expectError(call(newer, older), 'HeaderNotStored', [BigInt(newer.header.height)]);
    const badProof = headers.historyProof(older.header.height, anchor.header.height).map(() => ZERO_HASH);
    await expectError(call(anchor, older, badProof), 'InvalidHistoryProof');
    const tamperedAnchor = { ...anchor, header: { ...anchor.header, proposerIndex: 9 } };
    await expectError(call(tamperedAnchor, older), 'HeaderHashMismatch', [BigInt(anchor.header.height)]);
  });

  it('settles blocks never posted, proven by a later stored header', async () => {
    for (const block of skipped) await call(anchor, block);
    expect(await read(app, 'appliedCount')).toBe(3n);
    expect(await read(app, 'lastSettledHeight')).toBe(BigInt(skipped[1]!.header.height));
    expect((await read<AppliedRecord[]>(app, 'allApplied')).map((record) => record.height)).toEqual([
      BigInt(skipped[0]!.header.height),
      BigInt(skipped[0]!.header.height),
      BigInt(skipped[1]!.header.height),
    ]);
  });

  it('refuses the anchor itself as the proven header', async () => {
    const block = headers.next({ transactions: [await factory.sign(USERS[0]!, ns)] });
    await postHeader(chain, fixture, block);
    await expectError(call(block, block, []), 'HistoryHeightOutOfRange', [
      BigInt(block.header.height),
      BigInt(block.header.height),
    ]);
  });
});
