import type { Address } from 'viem';
import { synodPriceFeedAdapterAbi } from '../internal/contracts.ts';
import { L1Error, type SynodL1Config } from './types.ts';

export interface ReadFeedParameters {
  /** A SynodPriceFeedAdapter (AggregatorV3Interface) address. */
  adapter: Address;
}
export interface ReadFeedReturnType {
  /** The Synod height that carried the price. */
  roundId: bigint;
  answer: bigint;
  startedAt: bigint;
  /** Unix seconds of the carrying header. */
  updatedAt: bigint;
  answeredInRound: bigint;
  decimals: number;
  description: string;
}

/**
 * Reads a feed on L1 as any Chainlink consumer would: latestRoundData, decimals and description
 * of its AggregatorV3 adapter. The adapter fails closed (L1Error) when the price is stale or was
 * never posted.
 *
 * L1 methods: `AggregatorV3Interface.latestRoundData`, `decimals`, `description`.
 *
 * @example
 * ```ts
 * const { answer, decimals } = await l1Client.readFeed({ adapter: '0x…' });
 * console.log(formatUnits(answer, decimals));
 * ```
 */
export async function readFeed(
  l1: SynodL1Config,
  parameters: ReadFeedParameters,
): Promise<ReadFeedReturnType> {
  const read = <const Name extends 'latestRoundData' | 'decimals' | 'description'>(functionName: Name) =>
    l1.publicClient.readContract({
      address: parameters.adapter,
      abi: synodPriceFeedAdapterAbi,
      functionName,
    });
  try {
    const [round, decimals, description] = await Promise.all([
      read('latestRoundData'),
      read('decimals'),
      read('description'),
    ]);
    const [roundId, answer, startedAt, updatedAt, answeredInRound] = round as readonly [
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
    ];
    return {
      roundId,
      answer,
      startedAt,
      updatedAt,
      answeredInRound,
      decimals: decimals as number,
      description: description as string,
    };
  } catch (cause) {
    throw new L1Error(`Could not read the feed adapter ${parameters.adapter}.`, { cause });
  }
}
