import { defineCodec, MessageType } from '../codec/envelope.ts';
import type { Reader, Writer } from '../codec/primitives.ts';
import { HEADER_VERSION, MAX_HEADER_BYTES } from '../constants.ts';
import { assert, DecodeError } from '../errors.ts';
import type { BlockHeader } from '../types.ts';
import { readHexFixed, writeHexFixed } from './fields.ts';

/**
 * A block header on the wire, its fields in struct order (docs/protocol.md "Block header"):
 * version u16 ‖ networkId u64 ‖ epoch u64 ‖ height u64 ‖ parentHash 32 ‖ timestampMs u64 ‖
 * txRoot 32 ‖ txCount u32 ‖ namespaceRoot 32 ‖ namespaceCount u32 ‖ priceRoot 32 ‖ priceCount u32 ‖ historyRoot 32 ‖ proposerIndex u32.
 * A header version other than HEADER_VERSION is UNKNOWN_VERSION; height 0 is INVALID_VALUE.
 */

/** Writes the header fields (no envelope). */
export function writeBlockHeader(writer: Writer, header: BlockHeader): void {
  assert(header.version === HEADER_VERSION, `header version ${header.version} is not ${HEADER_VERSION}`);
  assert(header.height >= 1, `header height ${header.height} must be ≥ 1`);
  writer.u16(header.version).u53(header.networkId).u53(header.epoch).u53(header.height);
  writeHexFixed(writer, header.parentHash, 32, 'parentHash');
  writer.u53(header.timestampMs);
  writeHexFixed(writer, header.txRoot, 32, 'txRoot');
  writer.u32(header.txCount);
  writeHexFixed(writer, header.namespaceRoot, 32, 'namespaceRoot');
  writer.u32(header.namespaceCount);
  writeHexFixed(writer, header.priceRoot, 32, 'priceRoot');
  writer.u32(header.priceCount);
  writeHexFixed(writer, header.historyRoot, 32, 'historyRoot');
  writer.u32(header.proposerIndex);
}

/** Reads the fields written by writeBlockHeader. */
export function readBlockHeader(reader: Reader): BlockHeader {
  const version = reader.u16('header.version');
  if (version !== HEADER_VERSION) {
    throw new DecodeError('UNKNOWN_VERSION', `header.version ${version}, expected ${HEADER_VERSION}`);
  }
  const networkId = reader.u53('header.networkId');
  const epoch = reader.u53('header.epoch');
  const height = reader.u53('header.height');
  if (height === 0) throw new DecodeError('INVALID_VALUE', 'header.height 0: the first block is height 1');
  return {
    version,
    networkId,
    epoch,
    height,
    parentHash: readHexFixed(reader, 32, 'header.parentHash'),
    timestampMs: reader.u53('header.timestampMs'),
    txRoot: readHexFixed(reader, 32, 'header.txRoot'),
    txCount: reader.u32('header.txCount'),
    namespaceRoot: readHexFixed(reader, 32, 'header.namespaceRoot'),
    namespaceCount: reader.u32('header.namespaceCount'),
    priceRoot: readHexFixed(reader, 32, 'header.priceRoot'),
    priceCount: reader.u32('header.priceCount'),
    historyRoot: readHexFixed(reader, 32, 'header.historyRoot'),
    proposerIndex: reader.u32('header.proposerIndex'),
  };
}

/** A block header alone (e.g. for light clients and L1 submission). */
export const blockHeaderCodec = defineCodec<BlockHeader>({
  name: 'BlockHeader',
  type: MessageType.BlockHeader,
  maxBytes: MAX_HEADER_BYTES,
  write: writeBlockHeader,
  read: readBlockHeader,
});
