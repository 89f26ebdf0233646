import { getBlock, getNamespaceBatch, type NamespaceBatch } from '@synod/sdk';
import type { Address } from 'viem';
import { liquidateAllBelowMaintenance, settleBatch, settlementExtras } from '../model/clearinghouse.ts';
import type { Batch, ClearinghouseEvent, TransactionOutcome } from '../model/types.ts';
import { decodePayload } from '../payload.ts';
import { type PerpsClient, type PerpsConfig, PerpsError, type PerpsModel, type PerpsOrder } from './types.ts';

export interface SyncModelParameters {
  model: PerpsModel;
  /** Stop at this height (default: the latest finalized). */
  toHeight?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface SyncModelReturnType {
  /** A new model (the input is not modified), at `toHeight` or the latest finalized height. */
  model: PerpsModel;
  /** The namespace's transactions applied, in sequence order, with their outcomes. */
  orders: PerpsOrder[];
  /**
   * Every model event of the synced batches with its height, in order: those of `orders`, and
   * the fills or removals of triggered resting orders and the liquidations of the list.
   */
  events: { height: number; event: ClearinghouseEvent }[];
}

/**
 * Brings a model up to Synod finality: applies, in order, every finalized batch of the
 * clearinghouse's namespace above `model.height` (each verified: certificate, completeness and
 * order of the batch, the block's prices against its priceRoot) with the block's prices, as the
 * settle call will on L1. What the settle call adds that the chain cannot show is assumed as the
 * keeper (src/keeper.ts) does it: the resting orders whose limit the block's price meets, or
 * that expired, are triggered (oldest first), then the accounts the model finds below
 * maintenance are listed for liquidation; the L1 time is the block's. The batch's own transaction
 * outcomes never depend on these.
 *
 * RPC methods: `synod_getNextNamespaceBatch`, `synod_getBlockByHeight` (the prices).
 *
 * @example
 * ```ts
 * let model = { state: createClearinghouseState(config, deployedAt), height: 0 };
 * const { model: next, orders } = await syncModel(client, { namespace }, { model });
 * for (const order of orders) console.log(order.sequence, order.status, order.rejection?.name);
 * model = next;
 * ```
 */
export async function syncModel(
  client: PerpsClient,
  config: PerpsConfig,
  parameters: SyncModelParameters,
): Promise<SyncModelReturnType> {
  let { state, height } = parameters.model;
  const orders: PerpsOrder[] = [];
  const events: SyncModelReturnType['events'] = [];
  const toHeight = parameters.toHeight ?? Number.POSITIVE_INFINITY;
  while (height < toHeight) {
    const batch = await getNamespaceBatch(client, {
      namespace: config.namespace,
      afterHeight: height,
      signal: parameters.signal,
    });
    if (batch.status === 'not-final') {
      // No batch of the namespace in (height, latestHeight]: the model is current up to there.
      height = Math.max(height, Math.min(batch.latestHeight, toHeight));
      break;
    }
    if (batch.status !== 'batch') throw new PerpsError(`no batch of ${config.namespace} above ${height}`);
    if (batch.height > toHeight) {
      height = toHeight;
      break;
    }
    const applied = await applyNamespaceBatch(client, state, batch, parameters.signal);
    state = applied.state;
    height = batch.height;
    orders.push(...applied.orders);
    for (const event of applied.events) events.push({ height: batch.height, event });
  }
  return { model: { state, height }, orders, events };
}

async function applyNamespaceBatch(
  client: PerpsClient,
  state: PerpsModel['state'],
  batch: Extract<NamespaceBatch, { status: 'batch' }>,
  signal: AbortSignal | undefined,
) {
  const block = await getBlock(client, { height: batch.height, verify: true, signal });
  if (block === null || block.hash !== batch.blockHash) {
    throw new PerpsError(`the node has no block ${batch.blockHash} at height ${batch.height}`);
  }
  const { sequenceStart } = batch.inclusion.entry;
  const input: Batch = {
    height: BigInt(batch.height),
    timestampMs: BigInt(batch.header.timestampMs),
    prices: block.prices,
    transactions: batch.transactions.map((transaction, index) => ({
      sequence: BigInt(sequenceStart + index),
      sender: transaction.sender,
      payload: transaction.payload,
    })),
    triggers: [],
    liquidations: [],
    l1TimestampSeconds: BigInt(Math.floor(batch.header.timestampMs / 1000)),
  };
  // What the keeper lists: triggers after the batch's transactions, then the liquidation list.
  const { triggers, liquidations } = settlementExtras(state, input);
  const result = settleBatch(state, { ...input, triggers, liquidations });
  const orders = batch.transactions.map((transaction, index) =>
    toOrder(batch.height, transaction, result.outcomes[index]!, result.events),
  );
  // Beyond the call's 64, the keeper liquidates the rest at this batch's marks before the next
  // batch (docs/perps.md "More than 64 accounts below maintenance"): the model does the same.
  const swept = liquidateAllBelowMaintenance(result.state);
  return { state: swept.state, orders, events: [...result.events, ...swept.events] };
}

function toOrder(
  height: number,
  transaction: Extract<NamespaceBatch, { status: 'batch' }>['transactions'][number],
  outcome: TransactionOutcome,
  events: readonly ClearinghouseEvent[],
): PerpsOrder {
  const sender = transaction.sender.toLowerCase() as Address;
  const { sequence, rejection } = outcome;
  return {
    height,
    sequence,
    txId: transaction.txId,
    sender,
    nonce: transaction.nonce,
    payload: decodePayload(transaction.payload),
    status: rejection === undefined ? 'applied' : 'rejected',
    rejection,
    events: events.filter((event) => eventOf(event, sequence, sender, rejection?.name)),
  };
}

/** Whether `event` was emitted by the transaction `sequence` of `sender`. */
function eventOf(
  event: ClearinghouseEvent,
  sequence: bigint,
  sender: Address,
  rejection: string | undefined,
): boolean {
  switch (event.type) {
    case 'OrderFilled':
    case 'OrderRested':
      return event.orderId === sequence;
    case 'Withdrawn':
    case 'VaultDeposited':
    case 'VaultWithdrawn':
      return event.sequence === sequence;
    case 'Liquidated':
      return rejection === 'AccountLiquidated' && event.account.toLowerCase() === sender;
    default:
      return false;
  }
}
