import { defineCodec, MessageType } from '../codec/envelope.ts';
import type { Reader, Writer } from '../codec/primitives.ts';
import { MAX_BLOCK_BYTES, MAX_BLOCK_PRICES, MAX_BLOCK_TXS, MAX_CERTIFIED_BLOCK_BYTES } from '../constants.ts';
import { assert, DecodeError } from '../errors.ts';
import type { Block, CertifiedBlock, FeedPrice } from '../types.ts';
import { readBlockHeader, writeBlockHeader } from './blockHeader.ts';
import { readCertificate, writeCertificate } from './certificate.ts';
import { readHexFixed, writeHexFixed } from './fields.ts';
import { readSignedTransaction, writeSignedTransaction } from './transaction.ts';

/**
 * A block on the wire: header ‖ transactions (u32 count ≤ MAX_BLOCK_TXS) ‖ prices (u32 count ≤
 * MAX_BLOCK_PRICES, each feedId 32 ‖ answer i256). The list lengths must equal the header's
 * txCount and priceCount; roots, order and signatures are consensus checks, not decoding.
 */

function writePrice(writer: Writer, price: FeedPrice): void {
  writeHexFixed(writer, price.feedId, 32, 'feedId');
  writer.i256(price.answer);
}

function readPrice(reader: Reader): FeedPrice {
  return { feedId: readHexFixed(reader, 32, 'price.feedId'), answer: reader.i256('price.answer') };
}

/** Writes the block fields (no envelope). */
export function writeBlock(writer: Writer, block: Block): void {
  assert(
    block.header.txCount === block.transactions.length,
    'header.txCount must equal the transaction count',
  );
  assert(block.header.priceCount === block.prices.length, 'header.priceCount must equal the price count');
  writeBlockHeader(writer, block.header);
  writer.list(block.transactions, MAX_BLOCK_TXS, writeSignedTransaction);
  writer.list(block.prices, MAX_BLOCK_PRICES, writePrice);
}

/** Reads the fields written by writeBlock. */
export function readBlock(reader: Reader): Block {
  const header = readBlockHeader(reader);
  const transactions = reader.list(MAX_BLOCK_TXS, 'block.transactions', readSignedTransaction);
  if (transactions.length !== header.txCount) {
    throw new DecodeError(
      'INVALID_VALUE',
      `block has ${transactions.length} transactions, header says ${header.txCount}`,
    );
  }
  const prices = reader.list(MAX_BLOCK_PRICES, 'block.prices', readPrice);
  if (prices.length !== header.priceCount) {
    throw new DecodeError(
      'INVALID_VALUE',
      `block has ${prices.length} prices, header says ${header.priceCount}`,
    );
  }
  return { header, transactions, prices };
}

/** A block with its bodies. */
export const blockCodec = defineCodec<Block>({
  name: 'Block',
  type: MessageType.Block,
  maxBytes: MAX_BLOCK_BYTES,
  write: writeBlock,
  read: readBlock,
});

/** block ‖ certificate: what catch-up sync serves and verifies. */
export const certifiedBlockCodec = defineCodec<CertifiedBlock>({
  name: 'CertifiedBlock',
  type: MessageType.CertifiedBlock,
  maxBytes: MAX_CERTIFIED_BLOCK_BYTES,
  write(writer, certified) {
    writeBlock(writer, certified.block);
    writeCertificate(writer, certified.certificate);
  },
  read(reader) {
    return { block: readBlock(reader), certificate: readCertificate(reader) };
  },
});
