// Quick start: submit an order, wait for its finality (verified locally against the committee's
// key), verify it again offline, and read a verified price. Run against a node:
//   SYNOD_RPC_URL=http://127.0.0.1:8645/ SYNOD_NETWORK_ID=1 SYNOD_CHAIN_ID=31337 \
//   SYNOD_INBOX=0x… PRIVATE_KEY=0x… pnpm exec node packages/sdk/examples/quickstart.ts
// test/examples.test.ts runs this file against a node started by the test.
import { encodeAbiParameters, formatUnits, type Hex, keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  createSynodClient,
  feedId,
  http,
  verifyCertificate,
  verifyTransactionInclusion,
} from '../src/index.ts';

const env = process.env;
const client = createSynodClient({
  transport: http(env.SYNOD_RPC_URL ?? 'http://127.0.0.1:8645/'),
  network: {
    networkId: Number(env.SYNOD_NETWORK_ID ?? 1),
    chainId: Number(env.SYNOD_CHAIN_ID ?? 31337),
    inbox: (env.SYNOD_INBOX ?? '0x5fbdb2315678afecb367f032d93f642f64180aa3') as Hex,
  },
  // Pin the committee's key (e.g. from the L1 CommitteeRegistry) so no node can substitute its own;
  // without it the key is fetched from the node once per epoch.
  committee: env.SYNOD_GROUP_PUBLIC_KEY
    ? { epoch: 0, groupPublicKey: env.SYNOD_GROUP_PUBLIC_KEY as Hex }
    : undefined,
});

// Any viem account signs: a local key here, a browser wallet with `wallet: walletClient`.
// The default is anvil's public test key #1: never use it for anything of value.
const account = privateKeyToAccount(
  (env.PRIVATE_KEY ?? '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d') as Hex,
);

// 1. Submit an order. The payload is the app's own encoding; the nonce is filled in.
const order = encodeAbiParameters(
  [
    { name: 'market', type: 'string' },
    { name: 'side', type: 'uint8' },
    { name: 'size', type: 'uint256' },
    { name: 'limitPrice', type: 'uint256' },
  ],
  ['ETH/USD', 0, 10n ** 18n, 3_500n * 10n ** 8n],
);
const { txId, transaction } = await client.sendTransaction({
  account,
  namespace: keccak256(toHex('quickstart-exchange')),
  payload: order,
});
console.log(`submitted ${txId} (nonce ${transaction.nonce})`);

// 2. Wait for finality: resolves only once the certificate and the Merkle proof verify locally.
const finality = await client.waitForFinality({ txId, transaction, timeoutMs: 10_000 });
console.log(`finalized at height ${finality.height}, position ${finality.index}`);

// 3. Anyone can re-check it offline, e.g. a counterparty given (header, certificate, proof).
const committee = await client.getCommittee({ epoch: finality.header.epoch });
const certified = verifyCertificate({
  header: finality.header,
  certificate: finality.certificate,
  groupPublicKey: committee!.groupPublicKey,
  network: client.network,
});
const included = verifyTransactionInclusion({ ...finality, network: client.network });
console.log(`certificate verifies: ${certified}`);
console.log(`transaction included: ${included}`);

// 4. Read a price, checked against its certified block.
const price = await client.getPrice({ feedId: feedId('ETH/USD'), verify: true });
console.log(
  price === null
    ? 'ETH/USD: no price yet'
    : `ETH/USD: ${formatUnits(price.answer, 8)} at height ${price.height} (verified)`,
);
