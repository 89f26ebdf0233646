import type { Client } from '@synod/sdk';
import type { Address, Hex, PublicClient } from 'viem';
import type { ClearinghouseEvent, ClearinghouseState, Rejection } from '../model/types.ts';
import type { Payload } from '../payload.ts';

/** Where a clearinghouse is: its Synod namespace, and on L1 (for the L1 reads). */
export interface PerpsConfig {
  /** The clearinghouse's Synod namespace (its constructor's `namespace`). */
  namespace: Hex;
  /** The Clearinghouse on L1: getPosition with `from: 'l1'` and waitForSettlement need it. */
  clearinghouse?: Address | undefined;
  /** Reads the settlement chain (same need). */
  publicClient?: PublicClient | undefined;
}

/**
 * The model at Synod finality: a clearinghouse state (`@synod/perps/model`) and the Synod height
 * it has applied every finalized batch of the namespace up to. Start it with
 * `{ state: createClearinghouseState(config, deployedAtSeconds), height: 0 }`; L1 calls the chain
 * does not show (deposits, claims, `liquidate`, `escapeExit`) are applied to `state` by the app
 * with the model's functions of the same name, as it learns of them.
 */
export interface PerpsModel {
  state: ClearinghouseState;
  height: number;
}

/** One transaction of the clearinghouse's namespace, decoded, with its outcome in the model. */
export interface PerpsOrder {
  /** The Synod height that finalized it. */
  height: number;
  /** Its sequence number in the namespace (a resting order's id). */
  sequence: bigint;
  txId: Hex;
  /** Lowercase. */
  sender: Address;
  nonce: bigint;
  /** The decoded payload; undefined when the contract refuses its shape (MalformedPayload). */
  payload: Payload | undefined;
  /** Applied (filled, rested, cancelled, withdrawn…) or refused with `rejection`. */
  status: 'applied' | 'rejected';
  rejection?: Rejection | undefined;
  /** The model's events of this transaction (OrderFilled, OrderRested, Liquidated…). */
  events: ClearinghouseEvent[];
}

/** The client every perps action takes: any Synod client (createClient or createSynodClient). */
export type PerpsClient = Client;

/** A perps action needed something the config does not have, or an L1 read failed. */
export class PerpsError extends Error {
  override name = 'PerpsError';
}

export function requireL1(config: PerpsConfig): { clearinghouse: Address; publicClient: PublicClient } {
  if (config.clearinghouse === undefined || config.publicClient === undefined) {
    throw new PerpsError('this action reads L1: pass clearinghouse and publicClient in the perps config');
  }
  return { clearinghouse: config.clearinghouse, publicClient: config.publicClient };
}
