import { describe, expect, test } from 'vitest';
import { generateNodeKeys, publicKeysOf } from '../../packages/node/src/keys/nodeKeys.ts';
import {
  buildGenesis,
  feedEntries,
  feedIdOf,
  initArguments,
  nodeConfig,
  TESTNET_FEEDS,
  TESTNET_NETWORK_ID,
} from '../src/config.ts';
import { loadConfig, parseGenesis } from '../src/node-api.ts';
import { planPorts } from '../src/ports.ts';
import { nodeAcceptsFeedSources } from '../src/setup.ts';

async function participants(count: number) {
  return await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const keys = publicKeysOf(await generateNodeKeys());
      return {
        peerId: keys.peerId,
        multiaddrs: [`/ip4/127.0.0.1/tcp/${20100 + i}`],
        dkgSigningPublicKey: keys.dkgSigningPublicKey,
        dkgEncryptionPublicKey: keys.dkgEncryptionPublicKey,
        ethereumAddress: keys.ethereumAddress,
      };
    }),
  );
}

const plan = planPorts(20000, 4);
const inbox = '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512';
const priceFeeds = '0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0';
const peerIds = (await participants(4)).map((participant) => participant.peerId);

function configOf(index: number, feedSources = false) {
  return nodeConfig({
    index,
    plan,
    networkId: TESTNET_NETWORK_ID,
    chainId: 31337,
    inbox,
    priceFeeds,
    equivocationRegistry: '0xcf7ed3acca5a467e9e704c703e8d87f634fb0fc9',
    l1RpcUrl: 'http://127.0.0.1:20000',
    peerAddresses: plan.nodes.map((ports, i) => `/ip4/127.0.0.1/tcp/${ports.p2p}/p2p/${peerIds[i]}`),
    simulatorUrl: 'http://127.0.0.1:20001',
    feedSources,
  });
}

describe('genesis', () => {
  test('is a valid genesis of the init entries, in node order, with the quorum threshold', async () => {
    const entries = await participants(4);
    const genesis = buildGenesis({
      networkId: TESTNET_NETWORK_ID,
      chainId: 31337,
      dkgNonce: new Uint8Array(32).fill(7),
      participants: entries,
    });
    const parsed = parseGenesis(JSON.stringify(genesis));
    expect(parsed.threshold).toBe(3);
    expect(parsed.networkId).toBe(TESTNET_NETWORK_ID);
    expect(parsed.participants.map((participant) => participant.peerId)).toEqual(
      entries.map((e) => e.peerId),
    );
    expect(genesis.participants.map((participant) => participant.index)).toEqual([0, 1, 2, 3]);
  });

  test('a single-node testnet has threshold 1', async () => {
    const genesis = buildGenesis({
      networkId: TESTNET_NETWORK_ID,
      chainId: 31337,
      dkgNonce: new Uint8Array(32),
      participants: await participants(1),
    });
    expect(genesis.threshold).toBe(1);
  });
});

describe('node config', () => {
  test('synod init gets the node name and its planned ports', () => {
    expect(initArguments(2, plan.nodes[2]!)).toEqual([
      '--node.name',
      'node-2',
      '--p2p.listenAddresses',
      '/ip4/127.0.0.1/tcp/20102',
      '--rpc.port',
      '20202',
      '--metrics.port',
      '20302',
    ]);
  });

  test("loads with the node's own loader and binds the network, chain, inbox and ports", () => {
    const config = loadConfig({
      file: { path: '/tmp/node-1/config.json', text: JSON.stringify(configOf(1)) },
      env: {},
      argv: [],
    }).config;
    expect(config.network).toMatchObject({
      networkId: TESTNET_NETWORK_ID,
      chainId: 31337,
      inboxAddress: inbox,
    });
    expect(config.node.name).toBe('node-1');
    expect(config.p2p.listenAddresses).toEqual(['/ip4/127.0.0.1/tcp/20101']);
    expect(config.rpc.port).toBe(20201);
    expect(config.metrics.port).toBe(20301);
    // The dashboard (base port + 3) is the one origin whose pages may call the RPC.
    expect(config.rpc.corsOrigins).toEqual(['http://127.0.0.1:20003']);
    expect(config.l1.rpcUrl).toBe('http://127.0.0.1:20000');
    expect(config.l1.priceFeedsAddress).toBe(priceFeeds); // without it nodes would post headers but never prices
    expect(config.oracle.feeds.map((feed) => feed.feedId)).toEqual(
      TESTNET_FEEDS.map((feed) => feedIdOf(feed.pair)),
    );
  });

  test('bootstraps to every other node, not itself', () => {
    const peers = configOf(1).p2p!.bootstrapPeers as string[];
    expect(peers).toHaveLength(3);
    expect(peers.some((peer) => peer.endsWith(`/${peerIds[1]}`))).toBe(false);
  });

  test("feed sources point at the simulator's three venues", () => {
    const [eth] = feedEntries('http://127.0.0.1:20001', true);
    expect(eth).toMatchObject({
      feedId: feedIdOf('ETH/USD'),
      decimals: 8,
      pair: 'ETH/USD',
      sources: [
        { id: 'coinbase', kind: 'coinbase', baseUrl: 'http://127.0.0.1:20001/coinbase', symbol: 'ETH-USD' },
        { id: 'kraken', kind: 'kraken', baseUrl: 'http://127.0.0.1:20001/kraken', symbol: 'ETHUSD' },
        { id: 'binance', kind: 'binance', baseUrl: 'http://127.0.0.1:20001/binance', symbol: 'ETHUSD' },
      ],
    });
  });

  test("sources are only written when the node's config accepts them", () => {
    // Either way the config written must load: without sources it always does.
    expect(nodeAcceptsFeedSources(configOf(0, false), '/tmp/config.json')).toBe(true);
    const withSources = nodeAcceptsFeedSources(configOf(0, true), '/tmp/config.json');
    expect(typeof withSources).toBe('boolean');
  });
});
