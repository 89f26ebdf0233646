import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnvilInstance, deploySynod, type SynodDeployment, startAnvil } from '@synod/contracts';
import type { FeedConfig } from '@synod/oracle';
import {
  type BlockHeader,
  type CertifiedBlock,
  certificateMessage,
  type FeedPrice,
  g1ToEip2537,
  HEADER_VERSION,
  type Hex,
  HistoryAccumulator,
  headerHash,
  insecureTrustedDealer,
  merkleRoot,
  type NetworkDomain,
  namespaceEntries,
  namespaceRoot,
  partialSign,
  priceLeaf,
  recoverGroupSignature,
  type SignedTransaction,
  signTransaction,
  transactionId,
  transactionLeaf,
} from '@synod/protocol';
import {
  type Account,
  type Address,
  bytesToHex,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  hexToBytes,
  http,
  keccak256,
  type PublicClient,
  type Transport,
  toHex,
  type WalletClient,
} from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { openStore, type Store } from '../../src/storage/index.ts';

/** anvil's public development mnemonic: account 0 deploys, accounts 1..n are the validators. */
const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';
const ANVIL_CHAIN_ID = 31337;
const NETWORK_ID = 7;

export const ETH_USD = keccak256(toHex('ETH/USD'));
export const BTC_USD = keccak256(toHex('BTC/USD'));

/** Push rules of the test feeds: a 1 % move pushes; the heartbeat never fires within a test. */
export const FEEDS: FeedConfig[] = [ETH_USD, BTC_USD].map((feedId) => ({
  feedId,
  decimals: 8,
  deviationBoundBps: 1000,
  confirmationHeights: 1,
  maxAgeMs: 3_600_000,
  heartbeatMs: 3_600_000,
  pushDeviationBps: 100,
}));

export const validatorAccount = (index: number) =>
  mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index + 1 });

export function anvilChain(rpcUrl: string): Chain {
  return defineChain({
    id: ANVIL_CHAIN_ID,
    name: 'anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/** Clients for `rpcUrl`, signing with `account`. One retry: outages must surface quickly in tests. */
export function clientsFor(rpcUrl: string, account: Account) {
  const chain = anvilChain(rpcUrl);
  const transport = http(rpcUrl, { retryCount: 1, retryDelay: 50, timeout: 5_000 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient;
  const walletClient = createWalletClient({ chain, transport, account }) as WalletClient<
    Transport,
    Chain,
    Account
  >;
  return { publicClient, walletClient };
}

/**
 * A TCP proxy in front of anvil that can be switched off: while down it drops every connection
 * at once (also the open keep-alive ones), so L1 looks unreachable while anvil keeps its state.
 */
export class SwitchableProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #up = true;
  port = 0;

  private constructor(targetPort: number) {
    this.#server = createServer((client) => {
      if (!this.#up) {
        client.destroy();
        return;
      }
      const upstream = new Socket();
      this.#track(client);
      this.#track(upstream);
      upstream.connect(targetPort, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
  }

  static async start(targetPort: number): Promise<SwitchableProxy> {
    const proxy = new SwitchableProxy(targetPort);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.#server.address() as { port: number }).port;
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
  }

  setUp(up: boolean): void {
    this.#up = up;
    if (!up) for (const socket of this.#sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.setUp(false);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export interface L1Fixture {
  anvil: AnvilInstance;
  proxy: SwitchableProxy;
  /** Direct to anvil (never through the proxy): the test's own view of L1. */
  publicClient: PublicClient;
  deployment: SynodDeployment;
  domain: NetworkDomain;
  committee: ReturnType<typeof insecureTrustedDealer> & { n: number; t: number };
  store: Store;
  chain: CertifiedChainBuilder;
  cleanup(): Promise<void>;
}

/** anvil + proxy, the contracts for a trusted-dealer committee of `n`, and a fresh LevelDB store. */
export async function startL1Fixture(n: number): Promise<L1Fixture> {
  const anvil = await startAnvil();
  const proxy = await SwitchableProxy.start(anvil.port);
  const deployer = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 0 });
  const { publicClient, walletClient } = clientsFor(anvil.rpcUrl, deployer);
  const f = Math.floor((n - 1) / 3);
  const t = 2 * f + 1;
  const dealt = insecureTrustedDealer(n, t, hexToBytes(toHex(42n, { size: 32 })));
  const deployment = await deploySynod(walletClient, publicClient, {
    networkId: BigInt(NETWORK_ID),
    genesisEpoch: 0n,
    groupPublicKey: bytesToHex(g1ToEip2537(dealt.groupPublicKey)),
    committeeSize: n,
    threshold: t,
    feeds: [
      { feedId: ETH_USD, decimals: 8, description: 'ETH / USD' },
      { feedId: BTC_USD, decimals: 8, description: 'BTC / USD' },
    ],
  });
  const domain: NetworkDomain = {
    networkId: NETWORK_ID,
    chainId: ANVIL_CHAIN_ID,
    inbox: deployment.inbox.toLowerCase() as Address,
  };
  const dir = await mkdtemp(join(tmpdir(), 'synod-l1-'));
  const store = await openStore(join(dir, 'db'), { domain });
  const committee = { ...dealt, n, t };
  return {
    anvil,
    proxy,
    publicClient,
    deployment,
    domain,
    committee,
    store,
    chain: new CertifiedChainBuilder(domain, committee, store),
    async cleanup() {
      await store.close();
      await proxy.close();
      await anvil.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`;
const USER = privateKeyToAccount(`0x${'5a'.repeat(32)}`);
/** The namespace of the default transactions. */
export const DEX: Hex = keccak256(toHex('dex'));

/**
 * Finalizes real certified blocks into the store: signed transactions, tx/price Merkle roots,
 * the history root from a HistoryAccumulator, and a threshold certificate of t shares over the
 * precommit message of the deployment's domain — exactly what the contracts verify.
 */
export class CertifiedChainBuilder {
  readonly #domain: NetworkDomain;
  readonly #committee: L1Fixture['committee'];
  readonly #store: Store;
  readonly #history = new HistoryAccumulator();
  #parentHash: Hex = ZERO_HASH;
  #nonce = 0n;
  /** namespace (lowercase) → transactions finalized so far. */
  readonly #sequences = new Map<Hex, number>();
  /** txIds by height. */
  readonly txIds = new Map<number, Hex[]>();
  /** Signed transactions by height, in block order. */
  readonly transactions = new Map<number, SignedTransaction[]>();

  constructor(domain: NetworkDomain, committee: L1Fixture['committee'], store: Store) {
    this.#domain = domain;
    this.#committee = committee;
    this.#store = store;
  }

  get height(): number {
    return this.#history.count;
  }

  /**
   * Finalizes the next block carrying `prices` (ETH, BTC answers) and, by default, two
   * transactions of the `dex` namespace; `namespaces` lists one namespace per transaction
   * instead (block order).
   */
  async next(prices: { eth: bigint; btc: bigint }, namespaces?: readonly Hex[]): Promise<CertifiedBlock> {
    const height = this.height + 1;
    const transactions: SignedTransaction[] = [];
    for (const [i, namespace] of (namespaces ?? [DEX, DEX]).entries()) {
      transactions.push(
        await signTransaction(
          USER,
          {
            networkId: this.#domain.networkId,
            namespace,
            sender: USER.address,
            nonce: this.#nonce++,
            payload: toHex(`order ${height}/${i}`),
            validUntil: 4_000_000_000n,
          },
          this.#domain,
        ),
      );
    }
    const txIds = transactions.map((tx) => transactionId(tx, this.#domain));
    const entries = namespaceEntries(
      transactions.map((tx, i) => ({ tx, txId: txIds[i]! })),
      (namespace) => this.#sequences.get(namespace) ?? 0,
    );
    const feedPrices: FeedPrice[] = [
      { feedId: ETH_USD, answer: prices.eth },
      { feedId: BTC_USD, answer: prices.btc },
    ].sort((a, b) => (a.feedId < b.feedId ? -1 : 1));
    const header: BlockHeader = {
      version: HEADER_VERSION,
      networkId: this.#domain.networkId,
      epoch: 0,
      height,
      parentHash: this.#parentHash,
      timestampMs: Date.now(),
      txRoot: merkleRoot(transactions.map((tx, i) => transactionLeaf(tx, txIds[i]!))),
      txCount: transactions.length,
      namespaceRoot: namespaceRoot(entries),
      namespaceCount: entries.length,
      priceRoot: merkleRoot(feedPrices.map(priceLeaf)),
      priceCount: feedPrices.length,
      historyRoot: this.#history.root(),
      proposerIndex: height % this.#committee.n,
    };
    const message = hexToBytes(certificateMessage(header, this.#domain, 0));
    const partials = this.#committee.shares
      .slice(0, this.#committee.t)
      .map((share) => ({ index: share.index, signature: partialSign(share.secretKey, message) }));
    const certified: CertifiedBlock = {
      block: { header, transactions, prices: feedPrices },
      certificate: { round: 0, signature: recoverGroupSignature(partials, this.#committee.t) },
    };
    await this.#store.commitBlock(certified);
    const hash = headerHash(header, this.#domain);
    this.#history.append(hash);
    this.#parentHash = hash;
    this.txIds.set(height, txIds);
    for (const entry of entries) {
      this.#sequences.set(entry.namespace, entry.sequenceStart + entry.count);
    }
    this.transactions.set(height, transactions);
    return certified;
  }
}

/** Polls `condition` every 25 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
