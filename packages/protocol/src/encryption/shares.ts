import { hexToBytes } from 'viem';
import { defineCodec, MessageType } from '../codec/envelope.ts';
import { type Reader, Writer } from '../codec/primitives.ts';
import { MAX_BLOCK_ENVELOPES } from '../consensus/constants.ts';
import { keccak256Bytes } from '../hashing/keccak.ts';
import { DECRYPTION_KEY_BYTES, DECRYPTION_SHARES_TAG } from './constants.ts';

/**
 * One validator's decryption shares of the envelopes of block `height`, sent once block
 * `height + 1` is final (docs/protocol.md "Encrypted transactions"): one share per envelope, in
 * block order. Block `height + 2` begins with their plaintexts, opened with f + 1 valid shares
 * of each. Signed by the validator with its (signing) share key of the committee that decides
 * `height + 2`, so a bad share is attributable and nobody can send shares in its name.
 *
 * Wire: networkId u64 ‖ height u64 ‖ validatorIndex u32 ‖ u32 count ≤ MAX_BLOCK_ENVELOPES ‖
 * shares 96 each ‖ signature 96.
 */
export interface DecryptionSharesBody {
  networkId: number;
  /** The height of the block whose envelopes these shares open. */
  height: number;
  validatorIndex: number;
  /** 96-byte G2 points: partial signatures over each envelope's identity with the encryption share. */
  shares: Uint8Array[];
}

export interface DecryptionShares extends DecryptionSharesBody {
  /** Share signature (96-byte G2) over decryptionSharesMessage(body). */
  signature: Uint8Array;
}

const SIGNATURE_BYTES = 96;

function writeBody(writer: Writer, body: DecryptionSharesBody): void {
  writer.u53(body.networkId).u53(body.height).u32(body.validatorIndex);
  writer.list(body.shares, MAX_BLOCK_ENVELOPES, (w, share) => w.fixed(share, DECRYPTION_KEY_BYTES));
}

export const decryptionSharesCodec = defineCodec<DecryptionShares>({
  name: 'DecryptionShares',
  type: MessageType.DecryptionShares,
  maxBytes: 2 + 8 + 8 + 4 + 4 + MAX_BLOCK_ENVELOPES * DECRYPTION_KEY_BYTES + SIGNATURE_BYTES,
  write(writer: Writer, message: DecryptionShares) {
    writeBody(writer, message);
    writer.fixed(message.signature, SIGNATURE_BYTES);
  },
  read(reader: Reader): DecryptionShares {
    const networkId = reader.u53('shares.networkId');
    const height = reader.u53('shares.height');
    const validatorIndex = reader.u32('shares.validatorIndex');
    const shares = reader.list(MAX_BLOCK_ENVELOPES, 'shares.shares', (r) =>
      r.fixed(DECRYPTION_KEY_BYTES, 'shares.share'),
    );
    return {
      networkId,
      height,
      validatorIndex,
      shares,
      signature: reader.fixed(SIGNATURE_BYTES, 'shares.signature'),
    };
  },
});

/** What the validator signs: keccak256(DECRYPTION_SHARES_TAG ‖ the body's wire fields). */
export function decryptionSharesMessage(body: DecryptionSharesBody): Uint8Array {
  const writer = new Writer();
  writer.fixed(hexToBytes(DECRYPTION_SHARES_TAG), 32);
  writeBody(writer, body);
  return keccak256Bytes(writer.finish());
}
