import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  keccak256,
  type PublicClient,
  type Transport,
  toHex,
  type WalletClient,
} from 'viem';
import {
  clearinghouseAbi,
  clearinghouseBytecode,
  perpsBatchesAbi,
  perpsBatchesBytecode,
  perpsTransactionsAbi,
  perpsTransactionsBytecode,
  testTokenAbi,
  testTokenBytecode,
} from './artifacts.ts';
import type { MarketConfig } from './model/types.ts';

type Wallet = WalletClient<Transport, Chain | undefined, Account>;

/** solc's placeholder for a library's address in unlinked bytecode. */
function placeholder(fullyQualifiedName: string): string {
  return `__$${keccak256(toHex(fullyQualifiedName)).slice(2, 36)}$__`;
}

/** Replaces each library placeholder of `bytecode` with its address; throws if one is left. */
export function linkBytecode(bytecode: Hex, libraries: Record<string, Address>): Hex {
  let linked: string = bytecode;
  for (const [name, address] of Object.entries(libraries)) {
    linked = linked.split(placeholder(name)).join(address.slice(2).toLowerCase());
  }
  if (linked.includes('__$')) throw new Error('bytecode has unlinked libraries');
  return linked as Hex;
}

async function deployed(publicClient: PublicClient, hash: Hex): Promise<Address> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || receipt.contractAddress == null)
    throw new Error(`deployment ${hash} failed`);
  return receipt.contractAddress;
}

export interface DeployClearinghouseParameters {
  inbox: Address;
  namespace: Hex;
  collateralToken: Address;
  feeRecipient: Address;
  escapeTimeoutSeconds: bigint;
  /** Sorted by feedId, strictly increasing. */
  markets: readonly MarketConfig[];
}

export interface ClearinghouseDeployment {
  clearinghouse: Address;
  libraries: { transactions: Address; batches: Address };
}

/**
 * Deploys the two libraries and the Clearinghouse linked to them (three transactions).
 *
 * @example
 * const { clearinghouse } = await deployClearinghouse(walletClient, publicClient, {
 *   inbox, namespace: keccak256(toHex('perps')), collateralToken: token, feeRecipient,
 *   escapeTimeoutSeconds: 86_400n, markets: [ethUsd],
 * });
 */
export async function deployClearinghouse(
  walletClient: Wallet,
  publicClient: PublicClient,
  parameters: DeployClearinghouseParameters,
): Promise<ClearinghouseDeployment> {
  const transactions = await deployed(
    publicClient,
    await walletClient.deployContract({
      abi: perpsTransactionsAbi,
      bytecode: perpsTransactionsBytecode,
      chain: walletClient.chain,
    }),
  );
  const batches = await deployed(
    publicClient,
    await walletClient.deployContract({
      abi: perpsBatchesAbi,
      bytecode: perpsBatchesBytecode,
      chain: walletClient.chain,
    }),
  );
  const bytecode = linkBytecode(clearinghouseBytecode, {
    'perps/contracts/PerpsTransactions.sol:PerpsTransactions': transactions,
    'perps/contracts/PerpsBatches.sol:PerpsBatches': batches,
  });
  const clearinghouse = await deployed(
    publicClient,
    await walletClient.deployContract({
      abi: clearinghouseAbi,
      bytecode,
      chain: walletClient.chain,
      args: [
        parameters.inbox,
        parameters.namespace,
        parameters.collateralToken,
        parameters.feeRecipient,
        parameters.escapeTimeoutSeconds,
        parameters.markets.map((market) => ({
          ...market,
          scale: market.scale,
          maxOpenInterest: market.maxOpenInterest,
          maxPositionSize: market.maxPositionSize,
        })),
      ],
    }),
  );
  return { clearinghouse, libraries: { transactions, batches } };
}

/** Deploys a TestToken (anyone can mint: tests and testnets only). */
export async function deployTestToken(
  walletClient: Wallet,
  publicClient: PublicClient,
  parameters: { name: string; symbol: string; decimals: number },
): Promise<Address> {
  return await deployed(
    publicClient,
    await walletClient.deployContract({
      abi: testTokenAbi,
      bytecode: testTokenBytecode,
      chain: walletClient.chain,
      args: [parameters.name, parameters.symbol, parameters.decimals],
    }),
  );
}
