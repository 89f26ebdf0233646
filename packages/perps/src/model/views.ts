import type { Address } from 'viem';
import { loadPosition } from './core.ts';
import type { ClearinghouseState, Position } from './types.ts';

/** One account as the contract's views show it (accountOf, positionOf, claimableOf, vaultSharesOf). */
export interface AccountView {
  collateral: bigint;
  positionMask: number;
  restingOrders: number;
  claimable: bigint;
  vaultShares: bigint;
  /** One entry per market, zero when there is no position. */
  positions: Position[];
}

export function accountView(state: ClearinghouseState, account: Address): AccountView {
  const owner = account.toLowerCase() as Address;
  const stored = state.accounts.get(owner);
  return {
    collateral: stored?.collateral ?? 0n,
    positionMask: stored?.positionMask ?? 0,
    restingOrders: stored?.restingOrders ?? 0,
    claimable: state.claimable.get(owner) ?? 0n,
    vaultShares: state.vaultShares.get(owner) ?? 0n,
    positions: state.config.markets.map((_, market) => loadPosition(state, owner, market)),
  };
}
