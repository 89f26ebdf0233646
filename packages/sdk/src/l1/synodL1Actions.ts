import type { Client } from '../clients/createClient.ts';
import {
  type ProveTransactionOnL1Parameters,
  type ProveTransactionOnL1ReturnType,
  proveTransactionOnL1,
} from './proveTransactionOnL1.ts';
import { type ReadFeedParameters, type ReadFeedReturnType, readFeed } from './readFeed.ts';
import {
  type SettleNamespaceBatchParameters,
  type SettleNamespaceBatchReturnType,
  settleNamespaceBatch,
} from './settleNamespaceBatch.ts';
import {
  type SubmitHeaderToL1Parameters,
  type SubmitHeaderToL1ReturnType,
  submitHeaderToL1,
} from './submitHeaderToL1.ts';
import {
  type SubmitPricesToL1Parameters,
  type SubmitPricesToL1ReturnType,
  submitPricesToL1,
} from './submitPricesToL1.ts';
import type { SynodL1Config } from './types.ts';

export interface SynodL1Actions {
  proveTransactionOnL1(parameters: ProveTransactionOnL1Parameters): Promise<ProveTransactionOnL1ReturnType>;
  submitHeaderToL1(parameters: SubmitHeaderToL1Parameters): Promise<SubmitHeaderToL1ReturnType>;
  submitPricesToL1(parameters?: SubmitPricesToL1Parameters): Promise<SubmitPricesToL1ReturnType>;
  readFeed(parameters: ReadFeedParameters): Promise<ReadFeedReturnType>;
  settleNamespaceBatch(parameters: SettleNamespaceBatchParameters): Promise<SettleNamespaceBatchReturnType>;
}

/**
 * L1 actions for a Synod client, attached with `extend`: prove a transaction on the settlement
 * chain, post headers and prices, read a feed through its AggregatorV3 adapter, settle an app's
 * namespace batches into its SynodBatchSettlement contract. viem's clients
 * do the L1 I/O.
 *
 * @example
 * ```ts
 * const client = createSynodClient({ transport: http(synodUrl), network }).extend(
 *   synodL1Actions({ publicClient, walletClient, addresses: { inbox, priceFeeds } }),
 * );
 * const { verified } = await client.proveTransactionOnL1({ txId, transaction });
 * ```
 */
export function synodL1Actions(config: SynodL1Config): (client: Client) => SynodL1Actions {
  return (client) => ({
    proveTransactionOnL1: (parameters) => proveTransactionOnL1(client, config, parameters),
    submitHeaderToL1: (parameters) => submitHeaderToL1(client, config, parameters),
    submitPricesToL1: (parameters) => submitPricesToL1(client, config, parameters),
    readFeed: (parameters) => readFeed(config, parameters),
    settleNamespaceBatch: (parameters) => settleNamespaceBatch(client, config, parameters),
  });
}
