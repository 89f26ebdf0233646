import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from 'viem';
import { BaseError } from '../errors/base.ts';

/** Where the Synod contracts are on the settlement chain. */
export interface SynodL1Addresses {
  /** SettlementInbox: must be the `inbox` of the client's network (headers are bound to it). */
  inbox: Address;
  /** PriceFeeds (for submitPricesToL1). */
  priceFeeds?: Address | undefined;
}

export interface SynodL1Config {
  /** Reads the settlement chain. Its chain id must be the client's network.chainId. */
  publicClient: PublicClient;
  /** Sends L1 transactions (submitting headers and prices); reads work without it. */
  walletClient?: WalletClient<Transport, Chain | undefined, Account> | undefined;
  addresses: SynodL1Addresses;
}

/** An L1 call or transaction failed (a revert, a missing wallet, a mismatched deployment). */
export class L1Error extends BaseError {
  declare readonly name: 'L1Error';
  constructor(shortMessage: string, parameters: { details?: string; cause?: unknown } = {}) {
    super(shortMessage, { name: 'L1Error', docsPath: '#l1error', ...parameters });
  }
}

export function requireWallet(config: SynodL1Config): WalletClient<Transport, Chain | undefined, Account> {
  if (config.walletClient === undefined) {
    throw new L1Error('A walletClient is needed to send L1 transactions.', {
      details: 'pass walletClient to synodL1Actions',
    });
  }
  return config.walletClient;
}
