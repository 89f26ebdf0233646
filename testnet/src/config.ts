import { type Address, type Hex, keccak256, toHex } from 'viem';
import { createGenesisJson, type GenesisJson, type GenesisParticipantJson } from './node-api.ts';
import type { NodePorts, PortPlan } from './ports.ts';

/**
 * What the runner writes for the nodes: the genesis, the arguments of `synod init`, and each
 * node's config.json once the contracts are deployed. Pure: no I/O, so tests check it directly.
 */

/** Synod network id of local testnets: any fixed value works; 1337 says "local". */
export const TESTNET_NETWORK_ID = 1337;
/** anvil's default chain id. */
export const ANVIL_CHAIN_ID = 31_337;
/** Decimals of every testnet feed: the simulator's (SIMULATOR_DECIMALS) and Chainlink's USD feeds'. */
export const FEED_DECIMALS = 8;
/**
 * RPC rate limit of testnet nodes, per client IP: every client is 127.0.0.1 here (load generator,
 * status line, SDK), so the production default (100/s) would throttle the load generator itself.
 */
export const TESTNET_RPC_RATE_LIMIT_PER_SECOND = 1_000_000;
/**
 * DKG linger on loopback: peers are a millisecond away, and the 5 s production default delays
 * writing the keystore, so it is start-up time. 500 ms still covers a peer descheduled by a busy
 * 2-core machine (measured: the last DKG message arrives within ~50 ms).
 */
export const TESTNET_DKG_LINGER_MS = 500;
/** A DKG peer that is not there within 60 s will not come: the runner starts all of them together. */
export const TESTNET_DKG_PEER_WAIT_TIMEOUT_MS = 60_000;

/**
 * Headers go to L1 every 2 s rather than every 12 s (one mainnet slot): anvil mines at once, and a
 * developer trying the L1 side should not wait.
 */
export const TESTNET_L1_POSTING_INTERVAL_MS = 2_000;

/**
 * Redial ceiling of testnet nodes (the production default is 60 s): on loopback a dial costs
 * nothing, and a healed link or a restarted node should be back within seconds, not a minute.
 */
export const TESTNET_RECONNECT_MAX_DELAY_MS = 5_000;

/**
 * Stall report of testnet nodes (the production default is 30 s): a testnet finalizes every
 * second or two, so 3 s without a block is already worth the consensus state in the node's log
 * (at warn level, with its rounds and votes). That log line is what explains a stall found by a
 * chaos or e2e run after the fact.
 */
export const TESTNET_STALL_WARNING_MS = 3_000;

export interface TestnetFeed {
  /** `ETH/USD`: the simulator pair and the feed name (feedId = keccak256 of it). */
  pair: string;
  /** Where the simulator's random walk starts. */
  initialPrice: string;
}

export const TESTNET_FEEDS: readonly TestnetFeed[] = [
  { pair: 'ETH/USD', initialPrice: '3000.00' },
  { pair: 'BTC/USD', initialPrice: '60000.00' },
];

export function feedIdOf(pair: string): Hex {
  return keccak256(toHex(pair));
}

export function nodeName(index: number): string {
  return `node-${index}`;
}

/** The node's p2p address in the genesis (and its listen address without link proxies). */
export function p2pListenAddress(ports: NodePorts): string {
  return `/ip4/127.0.0.1/tcp/${ports.p2p}`;
}

/** Where the node listens for real: behind the link proxies, its own port; without, the genesis one. */
export function p2pRealAddress(ports: NodePorts, linkProxies: boolean): string {
  return linkProxies ? `/ip4/127.0.0.1/tcp/${ports.p2pListen}` : p2pListenAddress(ports);
}

/** `--<section>.<key> value` flags of `synod init` for node `index`: its ports and name. */
export function initArguments(index: number, ports: NodePorts): string[] {
  return [
    '--node.name',
    nodeName(index),
    '--p2p.listenAddresses',
    p2pListenAddress(ports),
    '--rpc.port',
    String(ports.rpc),
    '--metrics.port',
    String(ports.metrics),
  ];
}

/** Config flags of `synod dkg` on a testnet (the DKG runs once, all nodes at the same moment). */
/**
 * scrypt cost of the testnet's share keystores: the minimum `synod dkg --scrypt-n` takes. Their
 * password sits next to them in `.testnet/keystore-password`, so EIP-2335's cost (≈ 0.5 s of CPU
 * per unlock, twice per node in the DKG and once per start) protected nothing and cost ≈ 3 s of
 * a fresh start on 2 cores.
 */
export const TESTNET_SCRYPT_N = 16_384;

export function dkgArguments(): string[] {
  return [
    '--dkg.lingerMs',
    String(TESTNET_DKG_LINGER_MS),
    '--dkg.peerWaitTimeoutMs',
    String(TESTNET_DKG_PEER_WAIT_TIMEOUT_MS),
    '--scrypt-n',
    String(TESTNET_SCRYPT_N),
  ];
}

/** The genesis of a testnet from each node's `synod init --json` participant entry, in node order. */
export function buildGenesis(parameters: {
  networkId: number;
  chainId: number;
  dkgNonce: Uint8Array;
  participants: readonly Omit<GenesisParticipantJson, 'index'>[];
}): GenesisJson {
  return createGenesisJson(parameters);
}

export interface FeedSourceEntry {
  id: string;
  kind: 'coinbase' | 'kraken' | 'binance';
  baseUrl: string;
  symbol: string;
}

/** The three simulated venues of one pair, with the simulator's default symbols. */
export function simulatorSources(pair: string, simulatorUrl: string): FeedSourceEntry[] {
  const [base, quote] = pair.split('/') as [string, string];
  return [
    { id: 'coinbase', kind: 'coinbase', baseUrl: `${simulatorUrl}/coinbase`, symbol: `${base}-${quote}` },
    { id: 'kraken', kind: 'kraken', baseUrl: `${simulatorUrl}/kraken`, symbol: `${base}${quote}` },
    { id: 'binance', kind: 'binance', baseUrl: `${simulatorUrl}/binance`, symbol: `${base}${quote}` },
  ];
}

/**
 * `oracle.feeds` of every node. With `withSources`, each feed also names its price sources (the
 * simulator's venues) in the oracle's FeedSourceConfigInput shape; the runner only adds them once
 * the node's config accepts them (it checks with the node's own loadConfig).
 */
export function feedEntries(simulatorUrl: string, withSources: boolean): Record<string, unknown>[] {
  return TESTNET_FEEDS.map((feed) => ({
    feedId: feedIdOf(feed.pair),
    decimals: FEED_DECIMALS,
    ...(withSources ? { pair: feed.pair, sources: simulatorSources(feed.pair, simulatorUrl) } : {}),
  }));
}

export interface NodeConfigParameters {
  index: number;
  plan: PortPlan;
  networkId: number;
  chainId: number;
  inbox: Address;
  /** PriceFeeds contract: without it nodes post headers only, never prices. */
  priceFeeds: Address;
  /** EquivocationRegistry: where nodes record equivocation evidence (null: nowhere). */
  equivocationRegistry: Address | null;
  l1RpcUrl: string;
  /**
   * Every node's p2p address with /p2p/<peerId> as this node dials it, in node order (the node's
   * own is left out): with link proxies, the proxy of (index → j) for each j.
   */
  peerAddresses: readonly string[];
  simulatorUrl: string;
  feedSources: boolean;
  /**
   * Behind link proxies (proxy.ts): the node listens on its own port (P+400+i) and announces its
   * genesis address (P+100+i, where nothing listens during a run), so that identify teaches the
   * other nodes no address that bypasses the proxies. Default false.
   */
  linkProxies?: boolean;
}

/** Where `pnpm testnet` serves the dashboard (ports.ts: base port + 3). */
export function dashboardOrigin(plan: PortPlan): string {
  return `http://127.0.0.1:${plan.dashboard}`;
}

/** The full config.json of node `index` (replacing the one `synod init` wrote). */
export function nodeConfig(parameters: NodeConfigParameters): Record<string, Record<string, unknown>> {
  const ports = parameters.plan.nodes[parameters.index];
  if (ports === undefined) throw new RangeError(`no node ${parameters.index} in the port plan`);
  return {
    network: {
      genesisFile: 'genesis.json',
      networkId: parameters.networkId,
      chainId: parameters.chainId,
      inboxAddress: parameters.inbox,
    },
    node: { name: nodeName(parameters.index) },
    p2p: {
      listenAddresses: [p2pRealAddress(ports, parameters.linkProxies === true)],
      ...(parameters.linkProxies === true ? { announceAddresses: [p2pListenAddress(ports)] } : {}),
      bootstrapPeers: parameters.peerAddresses.filter((_, i) => i !== parameters.index),
      reconnectMaxDelayMs: TESTNET_RECONNECT_MAX_DELAY_MS,
    },
    rpc: {
      host: '127.0.0.1',
      port: ports.rpc,
      rateLimitPerSecond: TESTNET_RPC_RATE_LIMIT_PER_SECOND,
      rateLimitBurst: TESTNET_RPC_RATE_LIMIT_PER_SECOND,
      // The dashboard's page calls the nodes' RPC from its own origin.
      corsOrigins: [dashboardOrigin(parameters.plan)],
    },
    metrics: { host: '127.0.0.1', port: ports.metrics },
    oracle: { feeds: feedEntries(parameters.simulatorUrl, parameters.feedSources) },
    l1: {
      rpcUrl: parameters.l1RpcUrl,
      priceFeedsAddress: parameters.priceFeeds,
      equivocationRegistryAddress: parameters.equivocationRegistry,
      postingIntervalMs: TESTNET_L1_POSTING_INTERVAL_MS,
    },
    consensus: { stallWarningMs: TESTNET_STALL_WARNING_MS },
    log: { level: 'info' },
  };
}
