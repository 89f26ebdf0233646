import type { Address, PublicClient } from 'viem';
import { clearinghouseAbi } from './abi.ts';
import { testTokenAbi } from './artifacts.ts';
import { accountHealth, accountView, type ClearinghouseState, heldCollateral } from './model/index.ts';

/** The clearinghouse and its collateral token on L1. */
export interface ClearinghouseAddresses {
  clearinghouse: Address;
  token: Address;
}

/**
 * `read(view, args)`: one clearinghouse view by name, typed by the caller (the ABI covers the
 * extension's views, which the clearinghouse serves through its fallback).
 */
export function clearinghouseReader(publicClient: PublicClient, clearinghouse: Address) {
  return <T>(functionName: string, args: readonly unknown[] = []) =>
    publicClient.readContract({
      address: clearinghouse,
      abi: clearinghouseAbi,
      functionName,
      args,
    } as never) as Promise<T>;
}

/**
 * Where the clearinghouse on L1 and a model differ (empty: equal), at most `limit` entries: every
 * account the model knows or `extraAccounts` names (stored account, claimable, vault shares,
 * each market's position, health), every resting order, the totals, every market, the applied
 * count, the last settlement time and the token balance against the held collateral. A keeper,
 * a test or a testnet run asks this after settling to prove the model is L1's.
 */
export async function compareL1WithModel(
  publicClient: PublicClient,
  perps: ClearinghouseAddresses,
  model: ClearinghouseState,
  extraAccounts: readonly Address[] = [],
  limit = 10,
): Promise<string[]> {
  const differences: string[] = [];
  const read = clearinghouseReader(publicClient, perps.clearinghouse);
  const differ = (what: string, l1: unknown, modelValue: unknown) => {
    const show = (value: unknown) => JSON.stringify(canonical(value));
    if (show(l1) !== show(modelValue) && differences.length < limit) {
      differences.push(`${what}: L1 ${show(l1)}, model ${show(modelValue)}`);
    }
  };
  const accounts = new Set<Address>(
    [...model.accounts.keys(), ...model.claimable.keys(), ...model.vaultShares.keys(), ...extraAccounts].map(
      (account) => account.toLowerCase() as Address,
    ),
  );
  for (const account of accounts) {
    const [stored, claimable, vaultShares, health, ...positions] = await Promise.all([
      read<{ collateral: bigint; positionMask: number; restingOrders: number }>('accountOf', [account]),
      read<bigint>('claimableOf', [account]),
      read<bigint>('vaultSharesOf', [account]),
      read<readonly [bigint, bigint, bigint]>('health', [account]),
      ...model.config.markets.map((_, market) =>
        read<{ size: bigint; entryPrice: bigint }>('positionOf', [account, BigInt(market)]),
      ),
    ]);
    differ(
      `account ${account}`,
      {
        collateral: stored.collateral,
        positionMask: stored.positionMask,
        restingOrders: stored.restingOrders,
        claimable,
        vaultShares,
        positions: positions.map((position) => ({ size: position.size, entryPrice: position.entryPrice })),
      },
      accountView(model, account),
    );
    const [equity, initialRequired, maintenanceRequired] = health;
    differ(
      `health ${account}`,
      { equity, initialRequired, maintenanceRequired },
      accountHealth(model, account),
    );
  }
  for (const [orderId, order] of model.resting) {
    const stored = await read<Record<string, unknown>>('restingOrder', [orderId]);
    differ(
      `resting order ${orderId}`,
      {
        account: String(stored.account).toLowerCase(),
        market: Number(stored.market),
        reduceOnly: stored.reduceOnly,
        expiry: stored.expiry,
        sizeDelta: stored.sizeDelta,
        limitPrice: stored.limitPrice,
      },
      { ...order, account: order.account.toLowerCase() },
    );
  }
  differ('totals', { ...(await read<Record<string, bigint>>('totals')) }, model.totals);
  for (const [market, state] of model.markets.entries()) {
    differ(
      `market ${market}`,
      { ...(await read<Record<string, bigint>>('marketState', [BigInt(market)])) },
      state,
    );
  }
  differ('appliedCount', await read<bigint>('appliedCount'), model.appliedCount);
  differ('lastSettledAt', await read<bigint>('lastSettledAt'), model.lastSettledAt);
  const balance = await publicClient.readContract({
    address: perps.token,
    abi: testTokenAbi,
    functionName: 'balanceOf',
    args: [perps.clearinghouse],
  });
  differ('token balance (held collateral)', balance, heldCollateral(model));
  return differences;
}

/** Bigints as strings, object keys sorted: equal values show equal whatever their key order. */
function canonical(value: unknown): unknown {
  if (typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, entry]) => [key, canonical(entry)]),
    );
  }
  return value;
}
