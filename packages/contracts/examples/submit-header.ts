// Start anvil, deploy Synod's contracts for a 4-validator committee, certify a header with 3
// partial signatures and post it. Run: pnpm --filter @synod/contracts example
import { deploySynod, settlementInboxAbi, startAnvil } from '@synod/contracts';
import {
  type BlockHeader,
  certificateMessage,
  g1ToEip2537,
  g2ToEip2537,
  HEADER_VERSION,
  insecureTrustedDealer,
  partialSign,
  recoverGroupSignature,
} from '@synod/protocol';
import { bytesToHex, createPublicClient, createWalletClient, hexToBytes, http, zeroHash } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';

const anvil = await startAnvil();
try {
  const transport = http(anvil.rpcUrl);
  const publicClient = createPublicClient({ chain: foundry, transport });
  // anvil's first development account
  const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
  const walletClient = createWalletClient({ account, chain: foundry, transport });

  // Test key material only: a real network runs the DKG.
  const committee = insecureTrustedDealer(4, 3, new Uint8Array(32).fill(7));
  const deployment = await deploySynod(walletClient, publicClient, {
    networkId: 1n,
    genesisEpoch: 0n,
    groupPublicKey: bytesToHex(g1ToEip2537(committee.groupPublicKey)),
    committeeSize: 4,
    threshold: 3,
  });

  const header: BlockHeader = {
    version: HEADER_VERSION,
    networkId: 1,
    epoch: 0,
    height: 1,
    parentHash: zeroHash,
    timestampMs: Date.now(),
    txRoot: zeroHash,
    txCount: 0,
    namespaceRoot: zeroHash, // a block without transactions has no namespace leaves
    namespaceCount: 0,
    priceRoot: zeroHash,
    priceCount: 0,
    historyRoot: zeroHash,
    proposerIndex: 0,
  };
  const message = hexToBytes(
    certificateMessage(header, { networkId: 1, chainId: foundry.id, inbox: deployment.inbox }, 0),
  );
  const partials = committee.shares
    .slice(0, 3)
    .map((share) => ({ index: share.index, signature: partialSign(share.secretKey, message) }));
  const signature = bytesToHex(g2ToEip2537(recoverGroupSignature(partials, 3)));

  const hash = await walletClient.writeContract({
    address: deployment.inbox,
    abi: settlementInboxAbi,
    functionName: 'submitHeader',
    args: [
      {
        ...header,
        networkId: 1n,
        epoch: 0n,
        height: 1n,
        timestampMs: BigInt(header.timestampMs),
      },
      { round: 0, signature },
    ],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  console.log(`header 1 stored, ${receipt.gasUsed} gas`, deployment);
} finally {
  await anvil.stop();
}
