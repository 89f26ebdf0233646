import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type AnvilInstance, startAnvil } from '../../src/anvil.ts';

/** anvil's first well-known development key (public test mnemonic). */
export const ANVIL_PRIVATE_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
export const ANVIL_CHAIN_ID = 31337;

export interface TestChain {
  anvil: AnvilInstance;
  chain: Chain;
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
}

/** Starts anvil and returns clients for it; call `anvil.stop()` in afterAll. */
export async function startTestChain(): Promise<TestChain> {
  const anvil = await startAnvil();
  const chain = defineChain({
    id: ANVIL_CHAIN_ID,
    name: 'anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [anvil.rpcUrl] } },
  });
  const transport = http(anvil.rpcUrl);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient;
  const walletClient = createWalletClient({
    account: privateKeyToAccount(ANVIL_PRIVATE_KEY),
    chain,
    transport,
    pollingInterval: 50,
  });
  return { anvil, chain, publicClient, walletClient };
}
