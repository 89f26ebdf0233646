import type { Hex } from 'viem';
import type { NetworkDomain } from '../../src/index.ts';

/** What the test hands the page (served as /config.json). */
export interface BrowserRunConfig {
  /** The node's WebSocket endpoint, connected to directly from the page. */
  webSocketUrl: string;
  /** Path on the page's own origin that forwards JSON-RPC over HTTP to the same node. */
  httpPath: string;
  network: NetworkDomain;
  /** The DKG's group key, pinned: finality verifies against it in the browser. */
  groupPublicKey: Hex;
  /** The viem local account that signs in the page. */
  privateKey: Hex;
}

/** What the page POSTs to /report when it is done. */
export type BrowserRunReport =
  | {
      ok: true;
      userAgent: string;
      /** Whether Node's `process` global exists in the page (it must not: no polyfills). */
      hasProcessGlobal: boolean;
      sender: Hex;
      txId: Hex;
      nonce: string;
      height: number;
      index: number;
      blockHash: Hex;
      /** verifyCertificate of the finality, re-checked offline in the page. */
      certified: boolean;
      /** verifyCertificate of the same certificate over a header with another height. */
      forgedCertified: boolean;
      /** verifyTransactionInclusion of the finality. */
      included: boolean;
      /** getBlock({ height, verify: true }) over HTTP: the hash of the verified block. */
      httpBlockHash: Hex | null;
      /** Re-sending the finalized nonce over HTTP: the error's name and data.code. */
      nonceReuse: { name: string; dataCode: string | undefined; isNonceUsedError: boolean };
      /** watchBlocks over the WebSocket: the verified blocks it delivered. */
      watched: { height: number; hash: Hex; parentHash: Hex }[];
      watchErrors: string[];
      submitMs: number;
      finalityMs: number;
      /** sendTransaction({ encrypt: true }) then waitForFinality, in the page. */
      encrypted: {
        envelopeHidesPayload: boolean;
        envelopeHeight: number;
        revealedHeight: number | null;
        revealedPayloadMatches: boolean;
        revealedIncluded: boolean;
        /** Signing twice and encrypting (noble's pairing in the page's JS). */
        sendMs: number;
      };
    }
  | { ok: false; error: string };
