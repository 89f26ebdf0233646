import { readFile } from 'node:fs/promises';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import {
  type Address,
  g1ToEip2537,
  type Hex,
  type NetworkDomain,
  parseHex,
  type SignedTransaction,
  SYSTEM_TIMERS,
  toLowerHex,
  transactionId,
} from '@synod/protocol';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { concatHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { NodeBehaviour } from '../behaviour/types.ts';
import { ConfigError } from '../config/errors.ts';
import { toFeedConfig, toFeedSourceConfig } from '../config/feeds.ts';
import type { SynodConfig } from '../config/schema.ts';
import { createBlsConsensusCrypto } from '../consensus/blsCrypto.ts';
import { createEnvelopeOpener } from '../consensus/reveals.ts';
import type { ConsensusMessage } from '../consensus/types.ts';
import { parseCommittee } from '../dkg/committee.ts';
import { DRIVER_FETCH_HEDGE_MS } from '../driver/constants.ts';
import { ConsensusDriver } from '../driver/driver.ts';
import { fetchBodiesFromPeers } from '../driver/fetchBodies.ts';
import type { EpochEncryption, PriceObserver } from '../driver/types.ts';
import { createBlsTransitions } from '../epochs/transitions.ts';
import { dataDirLayout } from '../keys/layout.ts';
import { readKeystorePassword } from '../keys/password.ts';
import { createLogger, subsystemLogger } from '../logging/index.ts';
import { Mempool } from '../mempool/mempool.ts';
import { createNodeMetrics, createNodeRegistry, type NodeMetrics } from '../metrics/node.ts';
import { createMetricsServer, type MetricsServer } from '../metrics/server.ts';
import { createP2pNode, type P2pNode } from '../p2p/host.ts';
import {
  fetchBlocksProtocol,
  fetchSyncedBlocksProtocol,
  fetchTransactionsProtocol,
  type SynodGossipMessages,
  synodGossipTopics,
} from '../p2p/synod.ts';
import { createRpcServer, type RpcServer, type RpcServerAddress } from '../rpc/server.ts';
import { openStore, type Store } from '../storage/store.ts';
import { requestSyncedBlocks, serveSyncedBlocks } from '../sync/serve.ts';
import { CatchUpSync } from '../sync/sync.ts';
import { createNodeBackend } from './backend.ts';
import {
  GENESIS_TIMESTAMP_MS,
  HOUSEKEEPING_INTERVAL_MS,
  MAX_SCORED_PEERS,
  VERIFICATION_CACHE_ENTRIES,
} from './constants.ts';
import { listening } from './errors.ts';
import { EvidenceInBlocks } from './evidenceInBlocks.ts';
import { createGossipValidators, PendingRegossip, splitToFit, TransactionBatcher } from './gossip.ts';
import { loadValidatorIdentity } from './identity.ts';
import { createNodeL1, type NodeL1 } from './l1.ts';
import { createAssemblyMetrics } from './metrics.ts';
import { createNodeOracle, type NodeOracle } from './oracle.ts';

export interface StartNodeDeps {
  /** Default: a pino logger at config.log.level on stdout. */
  logger?: Logger;
  /** Default: a fresh registry labelled with the node name, with process metrics. */
  register?: Registry;
  /** The keystore password; default read from `passwordFile` or SYNOD_KEYSTORE_PASSWORD in `env`. */
  password?: string;
  passwordFile?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * The oracle hook: observations for vote extensions. Default: the observer of the configured
   * feeds' sources (`oracle.feeds[].sources`); without sources, extensions carry no prices.
   */
  priceObserver?: PriceObserver;
  /** Called when the node stopped itself after a fatal error (the CLI exits non-zero). */
  onFatal?: (error: unknown) => void;
  /**
   * Test-only: a byzantine behaviour for the consensus driver (packages/node/src/behaviour). Only
   * the end-to-end testnet's byzantine entry passes one; `synod start`, configs and env cannot.
   */
  behaviour?: NodeBehaviour;
}

/** A running node. */
export interface SynodNode {
  readonly peerId: string;
  readonly validatorIndex: number;
  readonly domain: NetworkDomain;
  /** p2p addresses with /p2p/<peerId>. */
  readonly multiaddrs: string[];
  readonly rpc: RpcServerAddress | undefined;
  readonly metricsUrl: string | undefined;
  readonly driver: ConsensusDriver;
  readonly store: Store;
  readonly mempool: Mempool;
  readonly p2p: P2pNode<SynodGossipMessages>;
  readonly sync: CatchUpSync;
  readonly metrics: NodeMetrics;
  readonly register: Registry;
  /** The oracle wiring (observer, status); undefined without oracle.feeds. */
  readonly oracle: NodeOracle | undefined;
  /** The L1 submitter and prover; undefined without l1.rpcUrl. */
  readonly l1: NodeL1 | undefined;
  /** Graceful stop: RPC, L1 submitter, gossip batches, sync, consensus, oracle, p2p, metrics, store. Idempotent. */
  stop(): Promise<void>;
}

/** `/p2p/<peerId>` appended unless the address already ends with it. */
function withPeerId(address: string, peerId: string): string {
  const hasPeerId = multiaddr(address)
    .getComponents()
    .some((component) => component.name === 'p2p');
  return hasPeerId ? address : `${address}/p2p/${peerId}`;
}

function configError(key: string, reason: string): ConfigError {
  return new ConfigError([{ code: 'INVALID_VALUE', key, reason }]);
}

/**
 * Starts a validator node from its configuration and data dir: keys, committee and share
 * (from `synod init` and `synod dkg`), the store, mempool, p2p with validated gossip, the
 * consensus driver, catch-up sync, JSON-RPC and metrics. `synod start` calls it and stops it on
 * SIGINT/SIGTERM.
 *
 * @example
 * ```ts
 * const node = await startNode(config, { password });
 * console.log(node.rpc?.url, node.multiaddrs);
 * process.on('SIGTERM', () => node.stop());
 * ```
 */
export async function startNode(config: SynodConfig, deps: StartNodeDeps = {}): Promise<SynodNode> {
  const logger = deps.logger ?? createLogger({ level: config.log.level, name: config.node.name });
  const layout = dataDirLayout(config.node.dataDir);
  const password = async () =>
    deps.password ??
    (await readKeystorePassword({
      passwordFile: deps.passwordFile,
      env: deps.env ?? process.env,
    }));
  const identity = await loadValidatorIdentity(layout, password);
  if (deps.behaviour !== undefined)
    logger.warn({ behaviour: deps.behaviour.name }, 'TEST behaviour: this node deviates from the product');
  const { committee, validatorIndex } = identity;

  if (config.network.inboxAddress === null) {
    throw configError(
      'network.inboxAddress',
      'must be set: block headers bind the settlement inbox (deploy the contracts, or use any fixed address for a network without L1)',
    );
  }
  if (config.network.networkId !== null && config.network.networkId !== committee.networkId) {
    throw configError(
      'network.networkId',
      `${config.network.networkId} differs from committee.json's ${committee.networkId}`,
    );
  }
  if (config.network.chainId !== null && config.network.chainId !== committee.chainId) {
    throw configError(
      'network.chainId',
      `${config.network.chainId} differs from committee.json's ${committee.chainId}`,
    );
  }
  const domain: NetworkDomain = {
    networkId: committee.networkId,
    chainId: committee.chainId,
    inbox: config.network.inboxAddress.toLowerCase() as Address,
  };
  const feeds = config.oracle.feeds.map(toFeedConfig);
  const feedSources = config.oracle.feeds.flatMap((feed) => toFeedSourceConfig(feed) ?? []);
  const validatorCount = committee.members.length;

  const register = deps.register ?? createNodeRegistry({ labels: { node: config.node.name } });
  const metrics = createNodeMetrics(register);
  const assemblyMetrics = createAssemblyMetrics(register);
  // The wall clock (timestamps, expiry, schedules); a test-only behaviour may run it off true time.
  const wallClock = deps.behaviour?.wallClockMs;
  const nowMs = wallClock === undefined ? () => Date.now() : () => wallClock.call(deps.behaviour);

  const store = await openStore(layout.chainDir, { domain, metrics: metrics.storage });
  const cleanups: (() => Promise<void> | void)[] = [() => store.close()];
  try {
    const oracle =
      feeds.length === 0
        ? undefined
        : createNodeOracle({
            feeds,
            sources: feedSources,
            pollIntervalMs: config.oracle.pollIntervalMs,
            register,
            nowMs,
          });
    // Late-bound: the gossip validators and the mempool need the driver, which needs the network.
    let driver: ConsensusDriver | undefined;
    let sync: CatchUpSync | undefined;
    const mempool = new Mempool({
      domain,
      limits: {
        maxTransactions: config.mempool.maxTransactions,
        maxBytes: config.mempool.maxBytes,
        maxPerSender: config.mempool.maxPerSender,
        maxNonceAhead: BigInt(config.mempool.maxPerSender),
        maxRememberedSenders: config.mempool.maxRememberedSenders,
      },
      nextNonceOf: (sender) => driver?.chain.nextNonce(sender) ?? 0n,
      metrics: metrics.mempool,
      acceptsEnvelopes: () => driver?.committeeAt(driver.height).encryption !== undefined,
    });
    const verificationCache = new BoundedCache<string, boolean>(VERIFICATION_CACHE_ENTRIES);
    const crypto = createBlsConsensusCrypto({
      validatorIndex,
      shareSecretKey: identity.shareSecretKey,
      sharePublicKeys: identity.sharePublicKeys,
      groupPublicKey: identity.groupPublicKey,
      verificationCache,
    });
    if (validatorIndex < 0) {
      logger.warn(
        { peerId: identity.peerId },
        'no share of the genesis committee: following the chain without signing until an epoch this node is a member of (docs/operations.md "Adding a validator")',
      );
    }

    const topics = synodGossipTopics(
      createGossipValidators({
        domain,
        committeeAt: (height) => driver?.knownCommitteeAt(height),
        feeds,
        mempool,
        driver: () => driver!,
        sync: () => sync!,
        nowMs,
      }),
    );
    const bootstrapPeers = [
      ...config.p2p.bootstrapPeers,
      ...committee.members
        .filter((member) => member.peerId !== identity.peerId)
        .flatMap((member) => member.multiaddrs.map((address) => withPeerId(address, member.peerId))),
    ];
    const p2p = createP2pNode<SynodGossipMessages>(
      {
        privateKey: identity.p2pPrivateKey,
        topics,
        listenAddresses: config.p2p.listenAddresses,
        announceAddresses: config.p2p.announceAddresses.length > 0 ? config.p2p.announceAddresses : undefined,
        bootstrapPeers,
        maxPeers: config.p2p.maxPeers,
        dialTimeoutMs: config.p2p.dialTimeoutMs,
        reconnectMinDelayMs: config.p2p.reconnectMinDelayMs,
        reconnectMaxDelayMs: config.p2p.reconnectMaxDelayMs,
      },
      { metrics: metrics.p2p, logger: subsystemLogger(logger, 'p2p') },
    );

    const consensusLogger = subsystemLogger(logger, 'consensus');
    // The committee encryption key of an epoch (docs/protocol.md "Encrypted transactions").
    const encryptionOf = async (epoch: number): Promise<EpochEncryption | undefined> => {
      const keys = await identity.encryptionKeysOf(epoch);
      if (keys === undefined) return undefined;
      return {
        ...keys,
        opener: createEnvelopeOpener(keys, {
          onInvalidShare: (signer, envelopeTxId) => {
            metrics.consensus.invalidDecryptionSharesTotal.inc();
            consensusLogger.warn(
              { epoch, signer, envelopeTxId },
              'a signed vote extension carries an invalid decryption share: attributable to its signer',
            );
          },
        }),
      };
    };
    const genesisEncryption = await encryptionOf(committee.epoch);
    if (genesisEncryption === undefined) {
      logger.warn(
        'the committee has no encryption key (committee.json from before encryption): encrypted transactions are refused',
      );
    }
    let fatal = false;
    driver = new ConsensusDriver(
      {
        validatorIndex,
        validatorCount,
        domain,
        epoch: committee.epoch,
        feeds,
        genesisTimestampMs: GENESIS_TIMESTAMP_MS,
        timeouts: {
          proposeBaseMs: config.consensus.timeoutProposeBaseMs,
          prevoteBaseMs: config.consensus.timeoutPrevoteBaseMs,
          precommitBaseMs: config.consensus.timeoutPrecommitBaseMs,
          perRoundIncrementMs: config.consensus.timeoutPerRoundIncrementMs,
          maxMs: config.consensus.timeoutMaxMs,
        },
        stallWarningMs: config.consensus.stallWarningMs,
        idleIntervalMs: config.consensus.idleIntervalMs,
      },
      {
        crypto,
        encryption: genesisEncryption,
        transitions: createBlsTransitions({
          networkId: domain.networkId,
          groupPublicKey: identity.groupPublicKey,
          shareOf: (epoch) => identity.epochShareOf(epoch),
          encryptionOf,
          verificationCache,
          logger: consensusLogger,
        }),
        store,
        mempool,
        network: {
          publish: async (message: ConsensusMessage) => {
            if (!p2p.isStarted()) return;
            if (message.type === 'proposal') await p2p.publish('proposals', message.proposal);
            else if (message.type === 'vote') await p2p.publish('votes', message.vote);
          },
          publishEvidence: async (evidence) => {
            if (p2p.isStarted()) await p2p.publish('evidence', evidence);
          },
          publishDecryptionShares: async (message) => {
            if (p2p.isStarted()) await p2p.publish('decryption-shares', message);
          },
          resend: async (messages: readonly ConsensusMessage[]) => {
            if (!p2p.isStarted()) return 0;
            const proposals = messages.flatMap((m) => (m.type === 'proposal' ? [m.proposal] : []));
            const votes = messages.flatMap((m) => (m.type === 'vote' ? [m.vote] : []));
            const [byProposals, byVotes] = await Promise.all([
              p2p.resend('proposals', proposals),
              p2p.resend('votes', votes),
            ]);
            return Math.max(byProposals.recipients, byVotes.recipients);
          },
          fetchTransactions: (txIds, signal) => fetchTransactions(p2p, domain, txIds, signal),
        },
        nowMs,
        metrics: metrics.consensus,
        logger: consensusLogger,
        priceObserver: deps.priceObserver ?? oracle?.priceObserver,
        behaviour: deps.behaviour,
        diagnostics: () => p2pDiagnostics(p2p),
        onFatal: (error) => {
          fatal = true;
          deps.onFatal?.(error);
        },
      },
    );
    const driverRef = driver;
    sync = new CatchUpSync({
      driver,
      domain,
      logger: subsystemLogger(logger, 'sync'),
      network: {
        requestBlocks: (peer, fromHeight, count, signal) =>
          requestSyncedBlocks(p2p.reqResp, peerIdFromString(peer), fromHeight, count, signal),
      },
      onSynced: (blocks) => assemblyMetrics.syncedBlocksTotal.inc(blocks),
    });
    const syncRef = sync;

    await p2p.reqResp.handle(fetchTransactionsProtocol, async (request) => {
      const transactions: SignedTransaction[] = [];
      for (const txId of request.txIds) {
        const body = driverRef.body(txId) ?? (await store.getTransactionWithProof(txId))?.transaction;
        if (body !== undefined) transactions.push(body);
      }
      return [{ transactions }];
    });
    await p2p.reqResp.handle(fetchBlocksProtocol, async (request) => {
      const last = Math.min(store.latestHeight(), request.fromHeight + request.count - 1);
      const blocks = [];
      for (let height = request.fromHeight; height <= last; height++) {
        const block = await store.getBlock(height);
        if (block === undefined) break;
        blocks.push(block);
      }
      return blocks;
    });
    await p2p.reqResp.handle(fetchSyncedBlocksProtocol, (request) => serveSyncedBlocks(store, request));
    const batcher = new TransactionBatcher(
      async (batch) => {
        if (p2p.isStarted()) await p2p.publish('transactions', batch);
      },
      subsystemLogger(logger, 'p2p'),
    );
    p2p.subscribeAll({
      // Admitted to the mempool by the validator already.
      transactions: () => {},
      proposals: (proposal) => driverRef.receive({ type: 'proposal', proposal }),
      votes: (vote) => driverRef.receive({ type: 'vote', vote }),
      // Checked by the validator (both signatures, one validator, height, round and kind).
      evidence: (evidence) => void driverRef.recordEvidence(evidence, 'received'),
      // Kept by the driver in the topic validator.
      'decryption-shares': () => {},
    });

    await listening(`p2p on ${config.p2p.listenAddresses.join(', ')}`, 'p2p.listenAddresses', p2p.start());
    cleanups.unshift(() => p2p.stop());
    // Observing before consensus starts, so the first extensions already carry prices.
    oracle?.start();
    if (oracle !== undefined) cleanups.unshift(() => oracle.stop());
    await driver.start();
    cleanups.unshift(() => driverRef.stop());
    sync.start();
    cleanups.unshift(() => syncRef.stop());
    cleanups.unshift(() => batcher.stop());

    let l1: NodeL1 | undefined;
    if (config.l1.rpcUrl !== null) {
      l1 = createNodeL1({
        rpcUrl: config.l1.rpcUrl,
        domain,
        priceFeeds:
          config.l1.priceFeedsAddress === null
            ? null
            : (config.l1.priceFeedsAddress.toLowerCase() as Address),
        ethereumPrivateKey: identity.ethereumPrivateKey,
        validatorIndex,
        committeeSize: validatorCount,
        // Rotation over the committee of each height: a joiner posts from its epoch on, a leaver stops.
        committeeAt: (height) => driverRef.committeeAt(height),
        store,
        feeds,
        postEveryHeaders: config.l1.postEveryHeaders,
        takeoverTimeoutMs: config.l1.takeoverTimeoutMs,
        postingIntervalMs: config.l1.postingIntervalMs,
        feeBumpAfterMs: config.l1.feeBumpAfterMs,
        maxFeePerGasWei: config.l1.maxFeePerGasWei === null ? undefined : BigInt(config.l1.maxFeePerGasWei),
        settlement: config.l1.settlement.map((entry) => ({
          namespace: entry.namespace as Hex,
          contract: entry.contract as Address,
        })),
        ...(config.l1.equivocationRegistryAddress === null
          ? {}
          : {
              evidence: {
                registry: config.l1.equivocationRegistryAddress.toLowerCase() as Address,
                epoch: committee.epoch,
                commitments: concatHex(
                  committee.commitments.map((commitment) =>
                    toLowerHex(g1ToEip2537(parseHex(commitment, 48)!)),
                  ),
                ),
                // A later epoch's offences: its commitments are registered from its record first.
                epochAt: (height) => {
                  const { epoch, record } = driverRef.committeeAt(height);
                  return { epoch, record };
                },
              },
            }),
        metrics: metrics.l1,
        logger: subsystemLogger(logger, 'l1'),
        nowMs,
      });
      const started = l1;
      driver.onCommit((block) => started.onFinalized(block.height));
      driver.onEvidence((evidence) => started.onEvidence(evidence));
      started.start();
      cleanups.unshift(() => started.stop());
    } else {
      logger.warn('l1.rpcUrl is not set: this node posts nothing to L1');
      if (config.l1.settlement.length > 0) {
        logger.warn(
          { namespaces: config.l1.settlement.length },
          'l1.settlement is ignored without l1.rpcUrl',
        );
      }
    }

    const backend = createNodeBackend({
      domain,
      committee,
      committeeFile: async (epoch) => {
        try {
          return parseCommittee(await readFile(layout.committeeOf(epoch), 'utf8'));
        } catch {
          return undefined;
        }
      },
      store,
      mempool,
      driver,
      sync,
      peerCount: () => (p2p.isStarted() ? p2p.connectedPeers().length : 0),
      disseminate: (tx) => batcher.add(tx),
      nowMs,
      ...(oracle === undefined ? {} : { oracle }),
      ...(l1 === undefined ? {} : { l1 }),
    });
    // Each validator's first equivocation per epoch goes into a block (docs/protocol.md "Evidence in blocks").
    const evidenceInBlocks = new EvidenceInBlocks({
      domain,
      account: privateKeyToAccount(identity.ethereumPrivateKey),
      driver,
      mempool,
      submit: (tx) => backend.sendTransaction(tx, { signal: AbortSignal.timeout(10_000) }),
      logger: consensusLogger,
    });
    driver.onCommit((block) => evidenceInBlocks.onCommit(block));
    driver.onEvidence((evidence) => evidenceInBlocks.onEvidence(evidence));
    cleanups.unshift(() => evidenceInBlocks.stop());
    let rpc: RpcServer | undefined;
    let rpcAddress: RpcServerAddress | undefined;
    if (config.rpc.enabled) {
      rpc = createRpcServer({
        backend,
        host: config.rpc.host,
        port: config.rpc.port,
        corsOrigins: config.rpc.corsOrigins,
        limits: {
          maxBodyBytes: config.rpc.maxBodyBytes,
          maxWebSocketMessageBytes: config.rpc.maxBodyBytes,
          maxBatchSize: config.rpc.maxBatchSize,
          rateLimitPerSecond: config.rpc.rateLimitPerSecond,
          rateLimitBurst: config.rpc.rateLimitBurst,
          maxSubscriptionsPerSocket: config.rpc.maxSubscriptionsPerSocket,
          maxWebSocketConnections: config.rpc.maxWebSocketConnections,
          maxHttpConnections: config.rpc.maxHttpConnections,
          requestTimeoutMs: config.rpc.requestTimeoutMs,
        },
        metrics: metrics.rpc,
        logger,
      });
      rpcAddress = await listening(`rpc on ${config.rpc.host}:${config.rpc.port}`, 'rpc.port', rpc.start());
      const started = rpc;
      cleanups.unshift(() => started.stop());
    }
    let metricsServer: MetricsServer | undefined;
    let metricsUrl: string | undefined;
    if (config.metrics.enabled) {
      metricsServer = createMetricsServer({
        register,
        host: config.metrics.host,
        port: config.metrics.port,
        logger,
      });
      metricsUrl = (
        await listening(
          `metrics on ${config.metrics.host}:${config.metrics.port}`,
          'metrics.port',
          metricsServer.start(),
        )
      ).url;
      const started = metricsServer;
      cleanups.push(() => started.stop());
    }

    const regossip = new PendingRegossip(mempool, async (transactions) => {
      assemblyMetrics.regossipedTransactionsTotal.inc(transactions.length);
      await p2p.resend('transactions', splitToFit(transactions));
    });
    const scoredPeers = new Set<string>();
    const housekeeping = setInterval(() => {
      mempool.prune(nowMs());
      if (p2p.isStarted() && p2p.connectedPeers().length > 0) regossip.tick(nowMs());
      assemblyMetrics.syncing.set(syncRef.syncing ? 1 : 0);
      oracle?.updateMetrics(driverRef.chain.feedStates);
      if (!p2p.isStarted()) return;
      for (const peer of p2p.connectedPeers()) {
        const id = peer.toString();
        if (!scoredPeers.has(id) && scoredPeers.size >= MAX_SCORED_PEERS) {
          const oldest = scoredPeers.values().next().value!;
          scoredPeers.delete(oldest);
          assemblyMetrics.peerScore.remove({ peer: oldest });
        }
        scoredPeers.add(id);
      }
      for (const id of scoredPeers) assemblyMetrics.peerScore.set({ peer: id }, p2p.peerScore(id));
    }, HOUSEKEEPING_INTERVAL_MS);
    housekeeping.unref();
    cleanups.unshift(() => clearInterval(housekeeping));

    logger.info(
      {
        validatorIndex,
        peerId: identity.peerId,
        height: driver.height,
        rpc: rpcAddress?.url,
        metrics: metricsUrl,
        feeds: feeds.length,
        observedFeeds: feedSources.length,
        l1: l1 === undefined ? null : l1.status().account,
        addresses: p2p.getMultiaddrs().map(String),
      },
      'node started',
    );

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        logger.info({ fatal }, 'node stopping');
        for (const cleanup of cleanups) {
          try {
            await cleanup();
          } catch (error) {
            logger.warn({ err: error }, 'error while stopping');
          }
        }
        logger.info('node stopped');
      })();
      return stopping;
    };
    return {
      peerId: identity.peerId,
      validatorIndex,
      domain,
      multiaddrs: p2p.getMultiaddrs().map(String),
      rpc: rpcAddress,
      metricsUrl,
      driver,
      store,
      mempool,
      p2p,
      sync,
      metrics,
      register,
      oracle,
      l1,
      stop,
    };
  } catch (error) {
    for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch(() => {});
    throw error;
  }
}

/** Asks connected peers for the bodies, hedged (driver/fetchBodies.ts), starting at a random one. */
async function fetchTransactions(
  p2p: P2pNode<SynodGossipMessages>,
  domain: NetworkDomain,
  txIds: readonly Hex[],
  signal: AbortSignal,
): Promise<SignedTransaction[]> {
  if (!p2p.isStarted()) return [];
  const connected = p2p.connectedPeers();
  // Start at a random peer so that every node does not ask the same one first.
  const offset = Math.floor(Math.random() * Math.max(1, connected.length));
  const peers = connected.map((_, i) => connected[(offset + i) % connected.length]!);
  return await fetchBodiesFromPeers({
    peers,
    txIds,
    request: async (peer, wanted, requestSignal) => {
      const [batch] = await p2p.reqResp.request(
        peer,
        fetchTransactionsProtocol,
        { txIds: [...wanted] },
        { signal: requestSignal },
      );
      return batch?.transactions ?? [];
    },
    idOf: (tx) => transactionId(tx, domain),
    signal,
    hedgeMs: DRIVER_FETCH_HEDGE_MS,
    timers: SYSTEM_TIMERS,
  });
}

/** A Map that forgets its oldest entry past `capacity` (the verification memo must stay bounded). */
class BoundedCache<K, V> extends Map<K, V> {
  readonly #capacity: number;
  constructor(capacity: number) {
    super();
    this.#capacity = capacity;
  }
  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.#capacity) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}

/** The p2p view a stall report adds: who is connected, and who is known on each consensus topic. */
function p2pDiagnostics(p2p: P2pNode<SynodGossipMessages>): Record<string, unknown> {
  if (!p2p.isStarted()) return { p2p: 'stopped' };
  return {
    peers: p2p.connectedPeers().map(String),
    proposalTopicPeers: p2p.topicPeers('proposals').length,
    voteTopicPeers: p2p.topicPeers('votes').length,
  };
}
