import type { BlockHeader } from '@synod/protocol/pure';

/**
 * The viem argument for the Solidity `Header` struct (docs/protocol.md "Block header"):
 * uint64 fields as bigint, uint16/uint32 fields as number. Every caller of SettlementInbox and
 * PriceFeeds (the node's L1 submitter, the SDK's L1 actions, the contract tests) uses this one.
 */
export function headerArgs(header: BlockHeader) {
  return {
    version: header.version,
    networkId: BigInt(header.networkId),
    epoch: BigInt(header.epoch),
    height: BigInt(header.height),
    parentHash: header.parentHash,
    timestampMs: BigInt(header.timestampMs),
    txRoot: header.txRoot,
    txCount: header.txCount,
    priceRoot: header.priceRoot,
    priceCount: header.priceCount,
    historyRoot: header.historyRoot,
    proposerIndex: header.proposerIndex,
  } as const;
}

export type HeaderArgs = ReturnType<typeof headerArgs>;
