import { type AnvilInstance, deploySynod, type SynodDeployment, startAnvil } from '@synod/contracts';
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
import { createSynodClient, http, L1Error, synodL1Actions } from '../src/index.ts';
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
    feeds: [{ feedId: ETH_USD, decimals: 8, maxAgeSeconds: 3600n, description: 'ETH / USD' }],
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
    expect(feed.roundId).toBe(BigInt(block.block.header.height));
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
