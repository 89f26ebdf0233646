import type { Address } from 'viem';
import { synodPriceFeedAdapterAbi } from '../internal/contracts.ts';
import { L1Error, type SynodL1Config } from './types.ts';

export interface ReadFeedParameters {
  /** A SynodPriceFeedAdapter (or SynodFailClosedPriceFeedAdapter) address. */
  adapter: Address;
}
export interface ReadFeedReturnType {
  /** The feed's round: 1, 2, 3… one per price recorded on L1; 0n before the first price. */
  roundId: bigint;
  /** 0n before the first price. */
  answer: bigint;
  startedAt: bigint;
  /** Unix seconds: the carrying header's time, or the L1 block's if Synod's clock was ahead. */
  updatedAt: bigint;
  answeredInRound: bigint;
  /** The Synod height whose header carried the price; 0n before the first price. */
  height: bigint;
  decimals: number;
  description: string;
}

/**
 * Reads a feed on L1 as any Chainlink consumer would: latestRoundData, decimals and description
 * of its adapter, and the Synod height of the round. A SynodPriceFeedAdapter answers as
 * Chainlink's feeds do (zeros before the first price, never a revert for age: compare updatedAt
 * with your own bound); a SynodFailClosedPriceFeedAdapter reverts instead, which arrives as an
 * L1Error.
 *
 * L1 methods: `AggregatorV3Interface.latestRoundData`, `decimals`, `description`; `heightOf`.
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
  const heightOf = (roundId: bigint) =>
    l1.publicClient.readContract({
      address: parameters.adapter,
      abi: synodPriceFeedAdapterAbi,
      functionName: 'heightOf',
      args: [roundId],
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
      height: roundId === 0n ? 0n : BigInt(await heightOf(roundId)),
      decimals: decimals as number,
      description: description as string,
    };
  } catch (cause) {
    throw new L1Error(`Could not read the feed adapter ${parameters.adapter}.`, { cause });
  }
}
