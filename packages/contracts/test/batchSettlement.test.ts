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
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reentrantBatchAppAbi } from '../src/artifacts.ts';
import {
  type NamespaceBatch,
  namespaceExclusionArgs,
  settleBatchArgs,
  settleBatchesArgs,
  settleBatchFromHistoryArgs,
  submitHeaderAndSettleBatchArgs,
  submitHeaderAndSettleBatchesArgs,
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

describe('SynodBatchSettlement.settleBatches (several heights in one call)', () => {
  // A namespace per test: each test's apps start at sequence 0.
  let ns: Hex;
  let tests = 0;
  const other = namespaceOf('settle many: other app');
  beforeEach(() => {
    tests += 1;
    ns = namespaceOf(`settle many ${tests}`);
  });

  /** The chain's next blocks: one per entry, each `[namespace-or-rejected, …]` of its transactions. */
  async function blocksOf(...plans: ('ns' | 'ns-rejected' | 'other')[][]): Promise<BuiltBlock[]> {
    const built: BuiltBlock[] = [];
    for (const [i, plan] of plans.entries()) {
      const transactions: BlockTransaction[] = [];
      for (const [j, kind] of plan.entries()) {
        const user = USERS[(i + j) % USERS.length]!;
        if (kind === 'other') transactions.push(await factory.sign(user, other));
        else transactions.push(await factory.sign(user, ns, kind === 'ns' ? toHex(`m${i}/${j}`) : '0xff01'));
      }
      built.push(headers.next({ transactions }));
    }
    return built;
  }

  /** The group's HistoryBatch list against `anchor`: the anchor's own batch without a proof. */
  const group = (blocks: readonly BuiltBlock[], anchor: BuiltBlock, namespace = ns) =>
    blocks.map((block) => ({
      header: block.header,
      historyProof:
        block.header.height === anchor.header.height
          ? []
          : headers.historyProof(block.header.height, anchor.header.height),
      batch: requireBatch(block, namespace),
    }));

  const settleMany = (app: Address, anchor: BuiltBlock, batches: ReturnType<typeof group>) =>
    send(app, 'settleBatches', settleBatchesArgs(anchor.header, batches));

  const eventsOf = (receipts: { logs: Parameters<typeof parseEventLogs>[0]['logs'] }[]) =>
    receipts.flatMap((receipt) =>
      parseEventLogs({ abi: recorderAbi, logs: receipt.logs }).map((event) => [event.eventName, event.args]),
    );

  it('lands k batches in one call exactly as k single calls would: same records, counters and events', async () => {
    // Two apps of the same namespace: one settles call by call, the other all at once.
    const single = await deployApp(chain, fixture, 'recorder', ns);
    const grouped = await deployApp(chain, fixture, 'recorder', ns);
    const blocks = await blocksOf(
      ['ns', 'other', 'ns'],
      ['other'],
      ['ns-rejected', 'ns'],
      ['ns'],
      [],
      ['other', 'ns', 'ns', 'ns-rejected'],
    );
    const anchor = blocks.at(-1)!;
    await postHeader(chain, fixture, anchor);
    const withBatch = blocks.filter((block) => batchOf(block, ns) !== undefined);
    expect(withBatch.length).toBe(4);

    const singleReceipts = [];
    for (const block of withBatch) {
      singleReceipts.push(
        block === anchor
          ? await settle(single, block, requireBatch(block, ns))
          : await send(
              single,
              'settleBatchFromHistory',
              settleBatchFromHistoryArgs(
                anchor.header,
                block.header,
                headers.historyProof(block.header.height, anchor.header.height),
                requireBatch(block, ns),
              ),
            ),
      );
    }
    const receipt = await settleMany(grouped, anchor, group(withBatch, anchor));

    expect(eventsOf([receipt])).toEqual(eventsOf(singleReceipts));
    expect(
      parseEventLogs({ abi: recorderAbi, logs: receipt.logs, eventName: 'BatchSettled' }).map((event) =>
        Number(event.args.height),
      ),
    ).toEqual(withBatch.map((block) => block.header.height));
    for (const name of ['allApplied', 'appliedCount', 'lastSettledHeight']) {
      expect(await read(grouped, name)).toEqual(await read(single, name));
    }
    expect(await read(grouped, 'appliedCount')).toBe(8n);
    expect(await read(grouped, 'lastSettledHeight')).toBe(BigInt(anchor.header.height));
    expect((await read<AppliedRecord[]>(grouped, 'allApplied')).map((record) => record.sequence)).toEqual([
      0n,
      1n,
      3n,
      4n,
      5n,
      6n,
    ]);
  });

  it('submitHeaderAndSettleBatches posts the anchor (the last batch’s header) and settles every batch against it', async () => {
    const app = await deployApp(chain, fixture, 'recorder', ns);
    const blocks = await blocksOf(['ns'], ['ns', 'ns'], ['other', 'ns']);
    const anchor = blocks.at(-1)!;
    const call = (signature: Hex, batches = group(blocks, anchor)) =>
      send(
        app,
        'submitHeaderAndSettleBatches',
        submitHeaderAndSettleBatchesArgs(anchor.header, { round: 0, signature }, batches),
      );
    const receipt = await call(certify(fixture.committee, anchor.header, fixture.domain));
    expect(
      parseEventLogs({ abi: inboxAbi, logs: receipt.logs, eventName: 'HeaderSubmitted' }).map(
        (event) => event.args.headerHash,
      ),
    ).toEqual([anchor.hash]);
    expect(await read(app, 'appliedCount')).toBe(4n);
    expect(await read(app, 'lastSettledHeight')).toBe(BigInt(anchor.header.height));

    // Already stored: the submit is skipped (the certificate is not read) and only the batches run.
    const second = await deployApp(chain, fixture, 'recorder', ns);
    const again = await send(
      second,
      'submitHeaderAndSettleBatches',
      submitHeaderAndSettleBatchesArgs(
        anchor.header,
        { round: 0, signature: `0x${'00'.repeat(256)}` },
        group(blocks, anchor),
      ),
    );
    expect(parseEventLogs({ abi: inboxAbi, logs: again.logs, eventName: 'HeaderSubmitted' })).toEqual([]);
    expect(await read(second, 'allApplied')).toEqual(await read(app, 'allApplied'));

    // A stored anchor as the only batch of settleBatches: the anchor itself, no history proof.
    const third = await deployApp(chain, fixture, 'recorder', ns);
    await settleMany(third, anchor, group(blocks, anchor).slice(0, 2));
    await settleMany(third, anchor, group(blocks, anchor).slice(2));
    expect(await read(third, 'allApplied')).toEqual(await read(app, 'allApplied'));
  });

  it('reverts the whole call for a skipped, replayed or reordered batch in the list, with the single path’s error', async () => {
    const app = await deployApp(chain, fixture, 'recorder', ns);
    const [b1, , b3, b4] = (await blocksOf(['ns', 'ns'], ['other'], ['ns'], ['ns', 'other', 'ns'])) as [
      BuiltBlock,
      BuiltBlock,
      BuiltBlock,
      BuiltBlock,
    ];
    const anchor = b4;
    await postHeader(chain, fixture, anchor);
    const all = group([b1, b3, b4], anchor);
    const [g1, g3, g4] = all as [(typeof all)[0], (typeof all)[0], (typeof all)[0]];
    // Skipped: the second entry starts at 3, the contract expects 2 after the first.
    await expectError(settleMany(app, anchor, [g1, g4]), 'BatchSkipped', [2n, 3n]);
    // Reordered: the first entry is not the next batch.
    await expectError(settleMany(app, anchor, [g3, g1, g4]), 'BatchSkipped', [0n, 2n]);
    // Replayed inside the list: the first two would land, then the whole call reverts.
    await expectError(settleMany(app, anchor, [g1, g3, g3]), 'BatchAlreadySettled', [3n, 2n]);
    expect(await read(app, 'appliedCount')).toBe(0n);
    expect(await read(app, 'allApplied')).toEqual([]);
    // An invalid batch later in the list names its own transaction index.
    const forged = { ...g3, batch: withSignature(g3.batch, 0, g1.batch.transactions[0]!.signature) };
    await expectError(settleMany(app, anchor, [g1, forged, g4]), 'InvalidSignature', [0n]);
    const swapped = { ...g4, batch: withTransactions(g4.batch, [...g4.batch.transactions].reverse()) };
    await expectError(settleMany(app, anchor, [g1, g3, swapped]), 'BatchMismatch');
    expect(await read(app, 'appliedCount')).toBe(0n);

    // A partial settlement elsewhere: the group starting at the settled batch is a replay.
    await send(
      app,
      'settleBatchFromHistory',
      settleBatchFromHistoryArgs(anchor.header, b1.header, g1.historyProof, g1.batch),
    );
    await expectError(settleMany(app, anchor, all), 'BatchAlreadySettled', [2n, 0n]);
    await settleMany(app, anchor, [g3, g4]);
    expect(await read(app, 'appliedCount')).toBe(5n);
    await expectError(settleMany(app, anchor, [g4]), 'BatchAlreadySettled', [5n, 3n]);
  });

  it('refuses a bad anchor, a header it does not prove, an empty list and one over the cap', async () => {
    const app = await deployApp(chain, fixture, 'recorder', ns);
    const [b1, b2, b3] = (await blocksOf(['ns'], ['ns'], ['ns'])) as [BuiltBlock, BuiltBlock, BuiltBlock];
    await postHeader(chain, fixture, b2);
    const batches = group([b1, b2], b2);
    await expectError(settleMany(app, b2, []), 'NoBatches');
    const cap = await read<bigint>(app, 'MAX_BATCHES_PER_CALL');
    expect(cap).toBe(64n);
    await expectError(
      settleMany(
        app,
        b2,
        Array.from({ length: Number(cap) + 1 }, () => batches[0]!),
      ),
      'TooManyBatches',
      [cap + 1n, cap],
    );
    // The anchor: not stored, tampered, of another network or version.
    await expectError(settleMany(app, b3, group([b1, b2, b3], b3)), 'HeaderNotStored', [
      BigInt(b3.header.height),
    ]);
    const tamperedAnchor = { ...b2, header: { ...b2.header, timestampMs: b2.header.timestampMs + 1 } };
    await expectError(settleMany(app, tamperedAnchor, batches), 'HeaderHashMismatch', [
      BigInt(b2.header.height),
    ]);
    await expectError(
      settleMany(app, { ...b2, header: { ...b2.header, version: 1 } }, batches),
      'UnsupportedHeaderVersion',
      [1],
    );
    // A batch header: above the anchor, at its height but another header or with a proof, a bad proof.
    await expectError(
      settleMany(app, b2, [...batches, { ...group([b3], b3)[0]!, historyProof: [ZERO_HASH] }]),
      'HistoryHeightOutOfRange',
      [BigInt(b3.header.height), BigInt(b2.header.height)],
    );
    const [h1, h2] = batches as [(typeof batches)[0], (typeof batches)[0]];
    await expectError(
      settleMany(app, b2, [
        h1,
        { ...h2, header: { ...h2.header, proposerIndex: 3 - h2.header.proposerIndex } },
      ]),
      'HeaderHashMismatch',
      [BigInt(b2.header.height)],
    );
    await expectError(settleMany(app, b2, [h1, { ...h2, historyProof: [ZERO_HASH] }]), 'InvalidHistoryProof');
    await expectError(
      settleMany(app, b2, [{ ...h1, historyProof: h1.historyProof.map(() => ZERO_HASH) }, h2]),
      'InvalidHistoryProof',
    );
    await expectError(
      settleMany(app, b2, [{ ...h1, header: { ...h1.header, networkId: h1.header.networkId + 1 } }, h2]),
      'WrongNetwork',
      [BigInt(h1.header.networkId + 1)],
    );
    await expectError(
      settleMany(app, b2, [h1, { ...h2, batch: requireBatch(b1, ns) }]),
      'InvalidNamespaceProof',
    );
    await settleMany(app, b2, batches);
    expect(await read(app, 'appliedCount')).toBe(2n);
  });

  it('holds the reentrancy lock across the whole call', async () => {
    const app = await deployApp(chain, fixture, 'reentrant', ns);
    const blocks = await blocksOf(['ns'], ['ns', 'ns']);
    const anchor = blocks.at(-1)!;
    await postHeader(chain, fixture, anchor);
    const receipt = await settleMany(app, anchor, group(blocks, anchor));
    const reentered = encodeErrorResult({ abi: reentrantBatchAppAbi, errorName: 'ReentrantSettlement' });
    const events = parseEventLogs({ abi: recorderAbi, logs: receipt.logs });
    expect(events.map((event) => event.eventName)).toEqual([
      'TransactionRejected',
      'BatchSettled',
      'TransactionRejected',
      'TransactionRejected',
      'BatchSettled',
    ]);
    for (const event of events)
      if (event.eventName === 'TransactionRejected') expect(event.args.reason).toBe(reentered);
  });
});
