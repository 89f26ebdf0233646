// A user signs a transaction; a committee of 4 threshold-signs a block header holding it; anyone
// verifies the certificate and the transaction's inclusion proof. Run:
//   pnpm --filter @synod/protocol example
import { hexToBytes } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  type BlockHeader,
  certificateMessage,
  insecureTrustedDealer,
  merkleProof,
  merkleRoot,
  type NetworkDomain,
  namespaceEntries,
  namespaceInclusionProof,
  namespaceRoot,
  partialSign,
  recoverGroupSignature,
  signTransaction,
  transactionLeaf,
  verifyGroupSignature,
  verifyMerkleProof,
  verifyNamespaceBatch,
  verifyTransaction,
} from '../src/index.ts';

const domain: NetworkDomain = {
  networkId: 1,
  chainId: 31337,
  inbox: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
};

// 1. A user signs an order with any viem account.
const user = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const signed = await signTransaction(
  user,
  {
    networkId: domain.networkId,
    namespace: `0x${'11'.repeat(32)}`,
    sender: user.address,
    nonce: 0n,
    payload: '0xc0ffee',
    validUntil: 4_000_000_000n,
  },
  domain,
);
// 2. A node admits it: signature, low s, signer = sender, network, expiry, payload cap.
const txId = verifyTransaction(signed, domain, { nowSeconds: 1_800_000_000n });

// 3. The block commits to it in its txRoot, and to its namespace's batch (the namespace's first
//    transaction: sequenceStart 0) in its namespaceRoot.
const leaves = [transactionLeaf(signed, txId)];
const namespaces = namespaceEntries([{ tx: signed, txId }], () => 0);
const header: BlockHeader = {
  version: 2,
  networkId: 1,
  epoch: 0,
  height: 1,
  parentHash: `0x${'00'.repeat(32)}`,
  timestampMs: 1_800_000_000_000,
  txRoot: merkleRoot(leaves),
  txCount: 1,
  namespaceRoot: namespaceRoot(namespaces),
  namespaceCount: namespaces.length,
  priceRoot: `0x${'00'.repeat(32)}`,
  priceCount: 0,
  historyRoot: `0x${'00'.repeat(32)}`,
  proposerIndex: 0,
};

// 4. Any 3 of 4 validators' partial signatures over the precommit message combine into one certificate.
//    (The trusted dealer is for examples and tests only: real committees run the DKG.)
const committee = insecureTrustedDealer(4, 3, new Uint8Array(32).fill(1));
const message = hexToBytes(certificateMessage(header, domain, 0));
const partials = [committee.shares[0]!, committee.shares[2]!, committee.shares[3]!].map((share) => ({
  index: share.index,
  signature: partialSign(share.secretKey, message),
}));
const certificate = { round: 0, signature: recoverGroupSignature(partials, 3) };

// 5. Anyone holding the group key verifies the certificate and the inclusion proof.
const certified = verifyGroupSignature(committee.groupPublicKey, message, certificate.signature);
const included = verifyMerkleProof({
  root: header.txRoot,
  count: header.txCount,
  index: 0,
  leaf: leaves[0]!,
  proof: merkleProof(leaves, 0),
});
const batch = verifyNamespaceBatch(
  header,
  signed.namespace,
  [{ tx: signed, txId }],
  namespaceInclusionProof(namespaces, signed.namespace)!,
);
console.log(
  `txId ${txId}\ncertificate verifies: ${certified}\ntransaction included: ${included}\nnamespace batch: ${batch}`,
);
if (!certified || !included || !batch) process.exit(1);
