import {
  type AnvilInstance,
  batchRecorderAbi,
  batchRecorderBytecode,
  deploySynod,
  type SynodDeployment,
  startAnvil,
} from '@synod/contracts';
import { g1ToEip2537 } from '@synod/protocol';
import {
  type Account,
  bytesToHex,
  type Chain,
  createPublicClient,
  createWalletClient,
  type Hex,
  keccak256,
  type PublicClient,
  type Transport,
  toHex,
  http as viemHttp,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSynodClient, http, L1Error, synodL1Actions, VerificationError } from '../src/index.ts';
import { TestChain } from './helpers/chain.ts';
import { startTestNode, type TestNode } from './helpers/server.ts';

/** anvil's first default account (public test key). */
const DEPLOYER = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
const ETH_USD = keccak256(toHex('ETH/USD'));
const namespace = keccak256(toHex('test-exchange'));

let anvil: AnvilInstance;
let deployment: SynodDeployment;
let node: TestNode;
let publicClient: PublicClient;
let walletClient: WalletClient<Transport, Chain, Account>;

beforeAll(async () => {
  anvil = await startAnvil();
  publicClient = createPublicClient({
    chain: foundry,
    transport: viemHttp(anvil.rpcUrl),
    pollingInterval: 50,
  }) as PublicClient;
  walletClient = createWalletClient({ account: DEPLOYER, chain: foundry, transport: viemHttp(anvil.rpcUrl) });
  // The committee's key is dealt first (deterministic seed), then the contracts are deployed with
  // it, then the node starts for the network bound to the deployed inbox.
  const committee = new TestChain({ domain: { networkId: 7, chainId: 31337, inbox: `0x${'00'.repeat(20)}` } })
    .committee;
  deployment = await deploySynod(walletClient, publicClient, {
    networkId: 7n,
    genesisEpoch: 0n,
    groupPublicKey: bytesToHex(g1ToEip2537(committee.groupPublicKey)),
    committeeSize: 4,
    threshold: 3,
    feeds: [{ feedId: ETH_USD, decimals: 8, description: 'ETH / USD' }],
  });
  node = await startTestNode({ domain: { networkId: 7, chainId: foundry.id, inbox: deployment.inbox } });
});

afterAll(async () => {
  await node?.stop();
  await anvil?.stop();
});

function l1Client() {
  return createSynodClient({
    transport: http(node.url),
    network: { networkId: 7, chainId: foundry.id, inbox: deployment.inbox },
  }).extend(
    synodL1Actions({
      publicClient,
      walletClient,
      addresses: { inbox: deployment.inbox, priceFeeds: deployment.priceFeeds },
    }),
  );
}

describe('L1 actions through extend (real anvil, real contracts)', () => {
  it('proves a finalized transaction on L1, posting its header first', async () => {
    const client = l1Client();
    const trader = privateKeyToAccount(`0x${'21'.repeat(32)}`);
    const sent = await client.sendTransaction({ account: trader, namespace, payload: '0xdeadbeef' });
    await client.sendTransaction({ account: trader, namespace, payload: '0xbeef' });
    node.chain.produceBlock();
    const finality = await client.waitForFinality({ ...sent, timeoutMs: 5_000 });
    const proof = await client.proveTransactionOnL1({ finality });
    expect(proof.verified).toBe(true);
    expect(proof.submitHeaderTransactionHash).toMatch(/^0x[0-9a-f]{64}$/);
    // Second time: the header is stored, nothing is sent; the calldata verifies as a raw call too.
    const again = await client.proveTransactionOnL1({ txId: sent.txId, transaction: sent.transaction });
    expect(again.submitHeaderTransactionHash).toBeUndefined();
    const { data } = await publicClient.call({ to: deployment.inbox, data: again.calldata });
    expect(BigInt(data!)).toBe(1n);
  });

  it('signs with a JSON-RPC wallet account (anvil signs eth_signTypedData_v4)', async () => {
    const client = l1Client();
    const [address] = await walletClient.getAddresses();
    const jsonRpcWallet = createWalletClient({ chain: foundry, transport: viemHttp(anvil.rpcUrl) });
    const sent = await client.sendTransaction({
      account: address!,
      wallet: jsonRpcWallet,
      namespace,
      payload: '0x01',
    });
    node.chain.produceBlock();
    const finality = await client.waitForFinality({ ...sent, timeoutMs: 5_000 });
    expect(finality.transaction.sender).toBe(address!.toLowerCase());
  });

  it('posts a price with a multiproof and reads it through the AggregatorV3 adapter', async () => {
    const client = l1Client();
    node.chain.setPrice(ETH_USD, 3_456_78000000n);
    node.chain.setPrice(keccak256(toHex('BTC/USD')), 98_765_00000000n);
    const block = node.chain.produceBlock();
    const posted = await client.submitPricesToL1({ feedIds: [ETH_USD] });
    expect(posted.height).toBe(block.block.header.height);
    const adapter = deployment.adapters[ETH_USD] as Hex;
    const feed = await client.readFeed({ adapter });
    expect(feed.answer).toBe(3_456_78000000n);
    expect(feed.roundId).toBe(1n); // the feed's first round on L1
    expect(feed.height).toBe(BigInt(block.block.header.height));
    expect(feed.decimals).toBe(8);
    expect(feed.description).toBe('ETH / USD');
  });

  it('refuses an inbox that is not the client network’s (headers are bound to one inbox)', async () => {
    const client = createSynodClient({
      transport: http(node.url),
      network: { networkId: 7, chainId: foundry.id, inbox: deployment.inbox },
    }).extend(synodL1Actions({ publicClient, addresses: { inbox: deployment.priceFeeds } }));
    const error = await client.proveTransactionOnL1({ txId: `0x${'00'.repeat(32)}` }).catch((e) => e);
    expect(error).toBeInstanceOf(L1Error);
  });
});

describe('namespace batches settled into an app contract (real anvil, SynodBatchSettlement)', () => {
  const appNamespace = keccak256(toHex('sdk-batch-app'));
  const otherNamespace = keccak256(toHex('sdk-batch-other'));
  const traders = [privateKeyToAccount(`0x${'31'.repeat(32)}`), privateKeyToAccount(`0x${'32'.repeat(32)}`)];

  /** A node-side certificate (raw signature bytes) in the SDK's JSON form. */
  const sdkCertificate = (certificate: { round: number; signature: Uint8Array }) => ({
    round: certificate.round,
    signature: bytesToHex(certificate.signature),
  });

  async function deployRecorder(ns: Hex = appNamespace): Promise<Hex> {
    const hash = await walletClient.deployContract({
      abi: batchRecorderAbi,
      bytecode: batchRecorderBytecode,
      args: [deployment.inbox, ns],
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    return receipt.contractAddress!;
  }

  it('settles every batch in order through whichever entry point the inbox calls for', async () => {
    const client = l1Client();
    const app = await deployRecorder();
    const expected: Hex[] = [];
    const send = async (trader: number, ns: Hex, payload: Hex) => {
      const sent = await client.sendTransaction({ account: traders[trader]!, namespace: ns, payload });
      if (ns === appNamespace) expected.push(sent.txId);
      return sent;
    };

    // Height A: two app transactions around a foreign one; its header is above the inbox's
    // latest, so it is posted in the settling transaction.
    await send(0, appNamespace, '0x0a01');
    await send(1, otherNamespace, '0x0b01');
    await send(1, appNamespace, '0x0a02');
    const a = node.chain.produceBlock().block.header.height;
    const first = await client.settleNamespaceBatch({ contract: app });
    expect(first).toMatchObject({ status: 'settled', height: a, sequenceStart: 0, count: 2 });
    expect(first.status === 'settled' && first.entryPoint).toBe('submitHeaderAndSettleBatch');

    // Height B has an app transaction but its header is never posted; a later header (C, with
    // no app transaction) is: B is settled through C's historyRoot.
    await send(0, appNamespace, '0x0a03');
    const b = node.chain.produceBlock().block.header.height;
    await send(1, otherNamespace, '0x0b02');
    const c = node.chain.produceBlock();
    await client.submitHeaderToL1({ header: c.block.header, certificate: sdkCertificate(c.certificate) });
    const empty = await client.getNamespaceBatch({ namespace: appNamespace, height: c.block.header.height });
    expect(empty.status).toBe('empty');
    const second = await client.settleNamespaceBatch({ contract: app });
    expect(second).toMatchObject({ status: 'settled', height: b, sequenceStart: 2, count: 1 });
    expect(second.status === 'settled' && second.entryPoint).toBe('settleBatchFromHistory');

    // Height D's header is posted first: plain settleBatch.
    await send(0, appNamespace, '0x0a04');
    const d = node.chain.produceBlock();
    await client.submitHeaderToL1({ header: d.block.header, certificate: sdkCertificate(d.certificate) });
    const third = await client.settleNamespaceBatch({ contract: app });
    expect(third).toMatchObject({ status: 'settled', height: d.block.header.height, sequenceStart: 3 });
    expect(third.status === 'settled' && third.entryPoint).toBe('settleBatch');

    expect(await client.settleNamespaceBatch({ contract: app })).toMatchObject({
      status: 'up-to-date',
      appliedCount: 4,
      lastSettledHeight: d.block.header.height,
    });
    const applied = await publicClient.readContract({
      address: app,
      abi: batchRecorderAbi,
      functionName: 'allApplied',
    });
    expect(applied.map((entry) => entry.txId)).toEqual(expected);
    expect(applied.map((entry) => Number(entry.sequence))).toEqual([0, 1, 2, 3]);
  });

  it('settles consecutive batches in one call (maxBatches) with a calldata suffix', async () => {
    const client = l1Client();
    const groupNamespace = keccak256(toHex('sdk-batch-group'));
    const app = await deployRecorder(groupNamespace);
    const send = (trader: number, payload: Hex) =>
      client.sendTransaction({ account: traders[trader]!, namespace: groupNamespace, payload });
    // Three heights with app transactions, one without between them; nothing posted: the last
    // batch's header is the anchor, posted in the call, and proves the two before it.
    const heights: number[] = [];
    await send(0, '0x0d01');
    heights.push(node.chain.produceBlock().block.header.height);
    await send(1, '0x0d02');
    await send(0, '0x0d03');
    heights.push(node.chain.produceBlock().block.header.height);
    node.chain.produceBlock();
    await send(1, '0x0d04');
    heights.push(node.chain.produceBlock().block.header.height);
    await send(0, '0x0d05');
    const fourth = node.chain.produceBlock().block.header.height;
    await send(1, '0x0d06');
    const fifth = node.chain.produceBlock().block.header.height;
    const suffix: Hex = '0xfeedc0de';
    const seen: number[][] = [];
    const grouped = await client.settleNamespaceBatch({
      contract: app,
      maxBatches: 3,
      calldataSuffix: (batches) => {
        seen.push(batches.map((batch) => batch.height));
        return suffix;
      },
    });
    expect(grouped).toMatchObject({
      status: 'settled',
      entryPoint: 'submitHeaderAndSettleBatches',
      height: heights[2],
      heights,
      sequenceStart: 0,
      count: 4,
      batches: [
        { height: heights[0], sequenceStart: 0, count: 1 },
        { height: heights[1], sequenceStart: 1, count: 2 },
        { height: heights[2], sequenceStart: 3, count: 1 },
      ],
    });
    expect(seen).toEqual([heights]);
    const sent = await publicClient.getTransaction({
      hash: grouped.status === 'settled' ? grouped.transactionHash : '0x',
    });
    expect(sent.input.endsWith(suffix.slice(2))).toBe(true);

    // A posted header with two batch transactions: within maxTransactions 1 only the fourth
    // goes (alone: settleBatchFromHistory); then the fifth and the posted sixth, the inbox's
    // latest header anchoring the group (settleBatches, the sixth with no history proof).
    await send(0, '0x0d07');
    await send(1, '0x0d08');
    const sixth = node.chain.produceBlock();
    await client.submitHeaderToL1({
      header: sixth.block.header,
      certificate: sdkCertificate(sixth.certificate),
    });
    const capped = await client.settleNamespaceBatch({ contract: app, maxBatches: 3, maxTransactions: 1 });
    expect(capped).toMatchObject({
      status: 'settled',
      entryPoint: 'settleBatchFromHistory',
      heights: [fourth],
      count: 1,
    });
    const rest = await client.settleNamespaceBatch({ contract: app, maxBatches: 3 });
    expect(rest).toMatchObject({
      status: 'settled',
      entryPoint: 'settleBatches',
      heights: [fifth, sixth.block.header.height],
      sequenceStart: 5,
      count: 3,
    });
    expect(
      await publicClient.readContract({ address: app, abi: batchRecorderAbi, functionName: 'appliedCount' }),
    ).toBe(8n);
  });

  it('refuses a batch a node served with a transaction left out, before touching L1', async () => {
    const client = l1Client();
    const app = await deployRecorder();
    await client.sendTransaction({ account: traders[0]!, namespace: appNamespace, payload: '0x0c01' });
    await client.sendTransaction({ account: traders[1]!, namespace: appNamespace, payload: '0x0c02' });
    const height = node.chain.produceBlock().block.header.height;
    node.chain.forge = { namespaceBatch: true };
    try {
      const error = await client.getNamespaceBatch({ namespace: appNamespace, height }).catch((e) => e);
      expect(error).toBeInstanceOf(VerificationError);
      expect((error as VerificationError).reason).toBe('INVALID_PROOF');
      const settle = await client.settleNamespaceBatch({ contract: app }).catch((e) => e);
      expect(settle).toBeInstanceOf(VerificationError);
    } finally {
      node.chain.forge = {};
    }
    expect(
      await publicClient.readContract({ address: app, abi: batchRecorderAbi, functionName: 'appliedCount' }),
    ).toBe(0n);
  });
});
