import { CodedError } from '@synod/protocol';
import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from 'viem';
import {
  committeeRegistryAbi,
  committeeRegistryBytecode,
  equivocationRegistryAbi,
  equivocationRegistryBytecode,
  priceFeedsAbi,
  priceFeedsBytecode,
  settlementInboxAbi,
  settlementInboxBytecode,
  synodFailClosedPriceFeedAdapterAbi,
  synodFailClosedPriceFeedAdapterBytecode,
  synodPriceFeedAdapterAbi,
  synodPriceFeedAdapterBytecode,
} from './artifacts.ts';

/**
 * The least a fail-closed adapter's maximum age must exceed the feed's L1 push heartbeat by: the
 * heartbeat's refresh must land before the old price expires. 5 minutes covers the submitter's
 * takeover down a 4-node committee (3 × 36 s, L1_DEFAULT_TAKEOVER_TIMEOUT_MS) plus a dozen
 * congested mainnet slots (144 s) for inclusion. Larger committees or busier chains need more.
 */
export const MIN_STALENESS_MARGIN_SECONDS = 300n;

/** A fail-closed adapter whose maximum age leaves no margin over the heartbeat (an outage window). */
export class FeedDeploymentError extends CodedError<'MAX_AGE_TOO_SHORT'> {
  override readonly name = 'FeedDeploymentError';
  constructor(message: string) {
    super('MAX_AGE_TOO_SHORT', message);
  }
}

/** Also deploy a SynodFailClosedPriceFeedAdapter for the feed (consumers that check nothing). */
export interface FailClosedAdapterParameters {
  /** Its latestRoundData reverts when the price is older than this. */
  maxAgeSeconds: bigint;
  /** The feed's L1 push heartbeat (the node config's feeds[].heartbeatMs, in seconds). */
  heartbeatSeconds: bigint;
}

/** One feed's adapters to deploy: the Chainlink-faithful one, and optionally a fail-closed one. */
export interface FeedAdapterParameters {
  /** bytes32 feed id used in price leaves (e.g. keccak256(toHex('ETH/USD'))). */
  feedId: Hex;
  decimals: number;
  description: string;
  failClosed?: FailClosedAdapterParameters;
}

/**
 * Refuses a fail-closed maximum age that does not exceed the heartbeat by
 * MIN_STALENESS_MARGIN_SECONDS: in a quiet market every read would revert between the price's
 * expiry and its refresh, for as long as L1 inclusion and a submitter's takeover take.
 */
export function checkFailClosedMaxAge(feed: { description: string } & FailClosedAdapterParameters): void {
  const least = feed.heartbeatSeconds + MIN_STALENESS_MARGIN_SECONDS;
  if (feed.maxAgeSeconds < least) {
    throw new FeedDeploymentError(
      `feed ${feed.description}: a fail-closed maxAgeSeconds of ${feed.maxAgeSeconds} leaves no time for the heartbeat's refresh to land; it must be ≥ heartbeatSeconds (${feed.heartbeatSeconds}) + ${MIN_STALENESS_MARGIN_SECONDS} = ${least}`,
    );
  }
}

export interface DeploySynodParameters {
  networkId: bigint;
  /** Epoch number of the genesis committee. */
  genesisEpoch: bigint;
  /** 128-byte uncompressed EIP-2537 G1 group public key of the genesis committee. */
  groupPublicKey: Hex;
  committeeSize: number;
  threshold: number;
  /** Adapters to deploy, one per feed. */
  feeds?: readonly FeedAdapterParameters[];
  /**
   * The genesis committee's Feldman commitments (t concatenated 128-byte EIP-2537 G1 points, the
   * first the group key, as committee.json lists them compressed): also deploys an
   * EquivocationRegistry that trusts them for the genesis epoch.
   */
  commitments?: Hex;
}

export interface SynodDeployment {
  registry: Address;
  inbox: Address;
  priceFeeds: Address;
  /** feedId → its SynodPriceFeedAdapter (Chainlink's semantics). */
  adapters: Record<Hex, Address>;
  /** feedId → its SynodFailClosedPriceFeedAdapter, for the feeds deployed with `failClosed`. */
  failClosedAdapters: Record<Hex, Address>;
  /** The EquivocationRegistry, when deployed with `commitments`. */
  equivocationRegistry?: Address;
}

/**
 * Deploys CommitteeRegistry, SettlementInbox, PriceFeeds and one SynodPriceFeedAdapter per
 * feed (plus a SynodFailClosedPriceFeedAdapter for each feed with `failClosed`, and an
 * EquivocationRegistry when the genesis `commitments` are given), waiting for
 * each receipt. Nothing deployed has an owner. Throws FeedDeploymentError before deploying
 * anything if a fail-closed maximum age is too short (checkFailClosedMaxAge).
 *
 * @example
 * const deployment = await deploySynod(walletClient, publicClient, {
 *   networkId: 1n, genesisEpoch: 0n, groupPublicKey, committeeSize: 4, threshold: 3,
 * });
 */
export async function deploySynod(
  walletClient: WalletClient<Transport, Chain | undefined, Account>,
  publicClient: PublicClient,
  parameters: DeploySynodParameters,
): Promise<SynodDeployment> {
  for (const feed of parameters.feeds ?? []) {
    if (feed.failClosed !== undefined)
      checkFailClosedMaxAge({ description: feed.description, ...feed.failClosed });
  }
  const deploy = async (hash: Hex): Promise<Address> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success' || receipt.contractAddress == null) {
      throw new Error(`deployment ${hash} failed`);
    }
    return receipt.contractAddress;
  };
  const registry = await deploy(
    await walletClient.deployContract({
      abi: committeeRegistryAbi,
      bytecode: committeeRegistryBytecode,
      args: [
        parameters.genesisEpoch,
        parameters.groupPublicKey,
        parameters.committeeSize,
        parameters.threshold,
      ],
      chain: walletClient.chain,
    }),
  );
  const inbox = await deploy(
    await walletClient.deployContract({
      abi: settlementInboxAbi,
      bytecode: settlementInboxBytecode,
      args: [parameters.networkId, registry],
      chain: walletClient.chain,
    }),
  );
  const priceFeeds = await deploy(
    await walletClient.deployContract({
      abi: priceFeedsAbi,
      bytecode: priceFeedsBytecode,
      args: [inbox],
      chain: walletClient.chain,
    }),
  );
  const adapters: Record<Hex, Address> = {};
  const failClosedAdapters: Record<Hex, Address> = {};
  for (const feed of parameters.feeds ?? []) {
    adapters[feed.feedId] = await deploy(
      await walletClient.deployContract({
        abi: synodPriceFeedAdapterAbi,
        bytecode: synodPriceFeedAdapterBytecode,
        args: [priceFeeds, feed.feedId, feed.decimals, feed.description],
        chain: walletClient.chain,
      }),
    );
    if (feed.failClosed !== undefined) {
      failClosedAdapters[feed.feedId] = await deploy(
        await walletClient.deployContract({
          abi: synodFailClosedPriceFeedAdapterAbi,
          bytecode: synodFailClosedPriceFeedAdapterBytecode,
          args: [priceFeeds, feed.feedId, feed.decimals, feed.failClosed.maxAgeSeconds, feed.description],
          chain: walletClient.chain,
        }),
      );
    }
  }
  const equivocationRegistry =
    parameters.commitments === undefined
      ? undefined
      : await deploy(
          await walletClient.deployContract({
            abi: equivocationRegistryAbi,
            bytecode: equivocationRegistryBytecode,
            args: [registry, parameters.networkId, parameters.genesisEpoch, parameters.commitments],
            chain: walletClient.chain,
          }),
        );
  return {
    registry,
    inbox,
    priceFeeds,
    adapters,
    failClosedAdapters,
    ...(equivocationRegistry === undefined ? {} : { equivocationRegistry }),
  };
}
