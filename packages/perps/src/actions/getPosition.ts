import type { Address } from 'viem';
import { clearinghouseAbi } from '../abi.ts';
import { accountView } from '../model/views.ts';
import { syncModel } from './syncModel.ts';
import { type PerpsClient, type PerpsConfig, PerpsError, type PerpsModel, requireL1 } from './types.ts';

export type GetPositionParameters = {
  account: Address;
  market: number;
  signal?: AbortSignal | undefined;
} & (
  | {
      /**
       * 'model': at Synod finality — `model` brought up to the latest finalized height
       * (syncModel), before L1 settles it. 'l1': the clearinghouse's views on L1 (settled).
       */
      from: 'model';
      model: PerpsModel;
    }
  | { from: 'l1'; model?: undefined }
);

export interface GetPositionReturnType {
  from: 'model' | 'l1';
  /** Signed: > 0 long, < 0 short, 0 none. */
  size: bigint;
  /** Average entry price (feed decimals); 0 without a position. */
  entryPrice: bigint;
  /** The account's collateral (cross margin, all markets). */
  collateral: bigint;
  /** Transactions of the namespace applied: the position includes every order of a lower sequence. */
  appliedCount: bigint;
  /** The Synod height it is current at (model: synced height; L1: lastSettledHeight). */
  height: number;
  /** 'model' only: the synced model, to pass to the next call. */
  model?: PerpsModel | undefined;
}

/**
 * An account's position in one market, at Synod finality from the model (synced to the latest
 * finalized batch first) or as settled on L1 (the clearinghouse's `positionOf`, `accountOf`,
 * `appliedCount`, `lastSettledHeight`). Once L1 has settled the same batches, the two are equal
 * (test/differential.test.ts).
 *
 * @example
 * ```ts
 * const atFinality = await getPosition(client, perps, { account, market: 0, from: 'model', model });
 * model = atFinality.model;
 * const settled = await getPosition(client, perps, { account, market: 0, from: 'l1' });
 * console.log(atFinality.size, settled.size, settled.height);
 * ```
 */
export async function getPosition(
  client: PerpsClient,
  config: PerpsConfig,
  parameters: GetPositionParameters,
): Promise<GetPositionReturnType> {
  if (parameters.from === 'model') {
    const { model } = await syncModel(client, config, {
      model: parameters.model,
      signal: parameters.signal,
    });
    const view = accountView(model.state, parameters.account);
    const position = view.positions[parameters.market];
    if (position === undefined) throw new PerpsError(`no market ${parameters.market}`);
    return {
      from: 'model',
      size: position.size,
      entryPrice: position.entryPrice,
      collateral: view.collateral,
      appliedCount: model.state.appliedCount,
      height: model.height,
      model,
    };
  }
  const { clearinghouse, publicClient } = requireL1(config);
  const read = { address: clearinghouse, abi: clearinghouseAbi } as const;
  try {
    const [position, account, appliedCount, lastSettledHeight] = await Promise.all([
      publicClient.readContract({
        ...read,
        functionName: 'positionOf',
        args: [parameters.account, BigInt(parameters.market)],
      }),
      publicClient.readContract({ ...read, functionName: 'accountOf', args: [parameters.account] }),
      publicClient.readContract({ ...read, functionName: 'appliedCount' }),
      publicClient.readContract({ ...read, functionName: 'lastSettledHeight' }),
    ]);
    return {
      from: 'l1',
      size: BigInt(position.size),
      entryPrice: BigInt(position.entryPrice),
      collateral: BigInt(account.collateral),
      appliedCount: BigInt(appliedCount),
      height: Number(lastSettledHeight),
    };
  } catch (cause) {
    throw new PerpsError(`could not read the clearinghouse ${clearinghouse}`, { cause });
  }
}
