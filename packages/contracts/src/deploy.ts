import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from 'viem';
import {
  committeeRegistryAbi,
  committeeRegistryBytecode,
  priceFeedsAbi,
  priceFeedsBytecode,
  settlementInboxAbi,
  settlementInboxBytecode,
  synodPriceFeedAdapterAbi,
  synodPriceFeedAdapterBytecode,
} from './artifacts.ts';

/** One AggregatorV3Interface adapter to deploy. */
export interface FeedAdapterParameters {
  /** bytes32 feed id used in price leaves (e.g. keccak256(toHex('ETH/USD'))). */
  feedId: Hex;
  decimals: number;
  /** latestRoundData reverts when the price is older than this. */
  maxAgeSeconds: bigint;
  description: string;
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
}

export interface SynodDeployment {
  registry: Address;
  inbox: Address;
  priceFeeds: Address;
  /** feedId → adapter address. */
  adapters: Record<Hex, Address>;
}

/**
 * Deploys CommitteeRegistry, SettlementInbox, PriceFeeds and one SynodPriceFeedAdapter per
 * feed, waiting for each receipt. Nothing deployed has an owner.
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
  for (const feed of parameters.feeds ?? []) {
    adapters[feed.feedId] = await deploy(
      await walletClient.deployContract({
        abi: synodPriceFeedAdapterAbi,
        bytecode: synodPriceFeedAdapterBytecode,
        args: [priceFeeds, feed.feedId, feed.decimals, feed.maxAgeSeconds, feed.description],
        chain: walletClient.chain,
      }),
    );
  }
  return { registry, inbox, priceFeeds, adapters };
}
