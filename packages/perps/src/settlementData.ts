import { buildMultiproof } from '@synod/contracts/abi';
import { priceLeaf } from '@synod/protocol/pure';
import {
  type Address,
  concat,
  decodeAbiParameters,
  encodeAbiParameters,
  type Hex,
  hexToNumber,
  keccak256,
  numberToHex,
  size,
  slice,
  toHex,
} from 'viem';

/**
 * The settlement data a settle call of the clearinghouse must end with (docs/perps.md "Settle
 * calls"), one entry per batch of the call: the block's price leaves that decide every market,
 * their multiproof against `header.priceRoot`, the resting orders to trigger and the accounts to
 * liquidate; appended after the ABI arguments of any SynodBatchSettlement entry point.
 */

/** bytes28(keccak256("synod/perps/settlement-data/v1")): Clearinghouse.SETTLEMENT_DATA_TAG. */
export const SETTLEMENT_DATA_TAG: Hex = slice(keccak256(toHex('synod/perps/settlement-data/v1')), 0, 28);

export interface PriceLeaf {
  feedId: Hex;
  answer: bigint;
}

export interface SettlementDataParameters {
  /** The batch's header height. */
  height: bigint | number;
  /** Every price of the block, in its price tree's order (sorted by feedId). */
  blockPrices: readonly PriceLeaf[];
  /** The clearinghouse's markets' feedIds (any order). */
  marketFeedIds: readonly Hex[];
  /** Resting order ids to trigger, in order. */
  triggers?: readonly bigint[];
  /** Accounts to liquidate if below maintenance, in order. */
  liquidations?: readonly Address[];
}

/** The Solidity BatchSettlementData: what a settle call carries for one of its batches. */
export interface SettlementData {
  height: bigint;
  prices: { feedId: Hex; answer: bigint; index: bigint }[];
  priceProof: Hex[];
  triggers: bigint[];
  liquidations: Address[];
}

/**
 * Picks the fewest price leaves that decide every market: a market's own leaf, or else its two
 * neighbours in the tree (just one at either end), and builds their multiproof.
 *
 * @example
 * const data = settlementData({ height: header.height, blockPrices: block.prices, marketFeedIds: [ethUsd] });
 * await walletClient.writeContract({ ..., functionName: 'settleBatch', args, dataSuffix: encodeSettlementData([data]) });
 */
export function settlementData(parameters: SettlementDataParameters): SettlementData {
  const leaves = parameters.blockPrices;
  for (let i = 1; i < leaves.length; i++) {
    if (BigInt(leaves[i - 1]!.feedId) >= BigInt(leaves[i]!.feedId)) {
      throw new RangeError(
        'blockPrices must be sorted by feedId, strictly increasing (the price tree order)',
      );
    }
  }
  const chosen = new Set<number>();
  for (const feedId of parameters.marketFeedIds) {
    const feed = BigInt(feedId);
    const position = leaves.findIndex((leaf) => BigInt(leaf.feedId) >= feed);
    const at = position === -1 ? leaves.length : position;
    if (at < leaves.length && BigInt(leaves[at]!.feedId) === feed) {
      chosen.add(at);
      continue;
    }
    if (at > 0) chosen.add(at - 1);
    if (at < leaves.length) chosen.add(at);
  }
  const indices = [...chosen].sort((a, b) => a - b);
  return {
    height: BigInt(parameters.height),
    prices: indices.map((index) => ({ ...leaves[index]!, index: BigInt(index) })),
    priceProof:
      indices.length === 0
        ? []
        : buildMultiproof(
            leaves.map((leaf) => priceLeaf(leaf)),
            indices,
          ),
    triggers: [...(parameters.triggers ?? [])],
    liquidations: [...(parameters.liquidations ?? [])],
  };
}

const SETTLEMENT_DATA_PARAMETERS = [
  {
    type: 'tuple[]',
    components: [
      { name: 'height', type: 'uint64' },
      {
        name: 'prices',
        type: 'tuple[]',
        components: [
          { name: 'feedId', type: 'bytes32' },
          { name: 'answer', type: 'int256' },
          { name: 'index', type: 'uint256' },
        ],
      },
      { name: 'priceProof', type: 'bytes32[]' },
      { name: 'triggers', type: 'uint64[]' },
      { name: 'liquidations', type: 'address[]' },
    ],
  },
] as const;

/**
 * `abi.encode(BatchSettlementData[]) ‖ SETTLEMENT_DATA_TAG ‖ uint32 length`: the suffix of a
 * settle call, one entry per batch it settles (any order; each is found by its height).
 */
export function encodeSettlementData(entries: readonly SettlementData[]): Hex {
  const encoded = encodeAbiParameters(SETTLEMENT_DATA_PARAMETERS, [entries]);
  return concat([encoded, SETTLEMENT_DATA_TAG, numberToHex(size(encoded), { size: 4 })]);
}

/**
 * The settlement data at the end of a settle call's calldata (`encodeSettlementData`'s output
 * appended to any entry point's ABI arguments), or undefined when the calldata does not end with
 * it (no tag, a length past the start, entries that do not decode).
 *
 * @example
 * const transaction = await publicClient.getTransaction({ hash });
 * const entries = decodeSettlementData(transaction.input); // who was listed for liquidation
 */
export function decodeSettlementData(calldata: Hex): SettlementData[] | undefined {
  const total = size(calldata);
  if (total < 32) return undefined;
  if (slice(calldata, total - 32, total - 4).toLowerCase() !== SETTLEMENT_DATA_TAG.toLowerCase()) {
    return undefined;
  }
  const length = hexToNumber(slice(calldata, total - 4, total));
  if (length > total - 32) return undefined;
  try {
    const [entries] = decodeAbiParameters(
      SETTLEMENT_DATA_PARAMETERS,
      slice(calldata, total - 32 - length, total - 32),
    );
    return entries.map((entry) => ({
      height: entry.height,
      prices: entry.prices.map((price) => ({ ...price })),
      priceProof: [...entry.priceProof],
      triggers: [...entry.triggers],
      liquidations: [...entry.liquidations],
    }));
  } catch {
    return undefined;
  }
}
