import type { Hex } from 'viem';
import { parseHex, toLowerHex } from '../codec/hex.ts';
import { HEADER_TAG, HEADER_VERSION } from '../constants.ts';
import { SynodProtocolError } from '../errors.ts';
import type { BlockHeader, NetworkDomain } from '../types.ts';
import { writeAddressWord, writeBytes32Word, writeUintWord } from './abiWords.ts';
import { parseNetworkDomain } from './domain.ts';
import { keccak256Bytes } from './keccak.ts';

/**
 * Header ABI encoding and hash, exactly as docs/protocol.md "Block header":
 * `headerHash = keccak256(abi.encode(HEADER_TAG, uint256 chainId, address inbox, Header))`.
 */

export type HeaderErrorCode = 'UNKNOWN_VERSION' | 'OUT_OF_RANGE' | 'MALFORMED_HASH' | 'WRONG_NETWORK';

/** A header field that the Solidity struct cannot hold or the protocol does not allow. */
export class HeaderError extends SynodProtocolError<HeaderErrorCode> {
  override readonly name = 'HeaderError';
}

/** The Solidity `Header` struct as viem ABI tuple components, in field order. */
export const HEADER_ABI_COMPONENTS = [
  { name: 'version', type: 'uint16' },
  { name: 'networkId', type: 'uint64' },
  { name: 'epoch', type: 'uint64' },
  { name: 'height', type: 'uint64' },
  { name: 'parentHash', type: 'bytes32' },
  { name: 'timestampMs', type: 'uint64' },
  { name: 'txRoot', type: 'bytes32' },
  { name: 'txCount', type: 'uint32' },
  { name: 'namespaceRoot', type: 'bytes32' },
  { name: 'namespaceCount', type: 'uint32' },
  { name: 'priceRoot', type: 'bytes32' },
  { name: 'priceCount', type: 'uint32' },
  { name: 'historyRoot', type: 'bytes32' },
  { name: 'proposerIndex', type: 'uint32' },
] as const;

/** The header is a static tuple: one 32-byte word per field. */
export const HEADER_ABI_BYTES = HEADER_ABI_COMPONENTS.length * 32;

const UINT32_MAX = 0xffff_ffff;
const HEADER_TAG_BYTES = parseHex(HEADER_TAG, 32)!;

function checkUint(value: number, min: number, max: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new HeaderError(
      'OUT_OF_RANGE',
      `header.${field} must be an integer in [${min}, ${max}], got ${value}`,
    );
  }
}

function hashBytes(value: Hex, field: string): Uint8Array {
  const bytes = parseHex(value, 32);
  if (bytes === undefined)
    throw new HeaderError('MALFORMED_HASH', `header.${field} is not a bytes32 hex string`);
  return bytes;
}

/**
 * Validates `header` and writes its 14 ABI words at `offset` of a zero-filled buffer.
 * uint64 fields are limited to 2^53 − 1 (JS numbers, as everywhere in this package).
 */
function writeHeaderWords(buffer: Uint8Array, offset: number, header: BlockHeader): void {
  if (header.version !== HEADER_VERSION) {
    throw new HeaderError('UNKNOWN_VERSION', `header.version ${header.version}, expected ${HEADER_VERSION}`);
  }
  const { MAX_SAFE_INTEGER } = Number;
  checkUint(header.networkId, 0, MAX_SAFE_INTEGER, 'networkId');
  checkUint(header.epoch, 0, MAX_SAFE_INTEGER, 'epoch');
  checkUint(header.height, 1, MAX_SAFE_INTEGER, 'height');
  checkUint(header.timestampMs, 0, MAX_SAFE_INTEGER, 'timestampMs');
  checkUint(header.txCount, 0, UINT32_MAX, 'txCount');
  checkUint(header.namespaceCount, 0, UINT32_MAX, 'namespaceCount');
  checkUint(header.priceCount, 0, UINT32_MAX, 'priceCount');
  checkUint(header.proposerIndex, 0, UINT32_MAX, 'proposerIndex');
  const parentHash = hashBytes(header.parentHash, 'parentHash');
  const txRoot = hashBytes(header.txRoot, 'txRoot');
  const namespaceRoot = hashBytes(header.namespaceRoot, 'namespaceRoot');
  const priceRoot = hashBytes(header.priceRoot, 'priceRoot');
  const historyRoot = hashBytes(header.historyRoot, 'historyRoot');

  writeUintWord(buffer, offset, header.version);
  writeUintWord(buffer, offset + 32, header.networkId);
  writeUintWord(buffer, offset + 64, header.epoch);
  writeUintWord(buffer, offset + 96, header.height);
  writeBytes32Word(buffer, offset + 128, parentHash);
  writeUintWord(buffer, offset + 160, header.timestampMs);
  writeBytes32Word(buffer, offset + 192, txRoot);
  writeUintWord(buffer, offset + 224, header.txCount);
  writeBytes32Word(buffer, offset + 256, namespaceRoot);
  writeUintWord(buffer, offset + 288, header.namespaceCount);
  writeBytes32Word(buffer, offset + 320, priceRoot);
  writeUintWord(buffer, offset + 352, header.priceCount);
  writeBytes32Word(buffer, offset + 384, historyRoot);
  writeUintWord(buffer, offset + 416, header.proposerIndex);
}

/**
 * `abi.encode(Header)`: the 14 fields in order, one word each (448 bytes).
 * Throws HeaderError for a field out of range or a wrong version.
 */
export function encodeHeaderAbi(header: BlockHeader): Hex {
  const buffer = new Uint8Array(HEADER_ABI_BYTES);
  writeHeaderWords(buffer, 0, header);
  return toLowerHex(buffer);
}

/** headerHash as 32 bytes (see headerHash). */
export function headerHashBytes(header: BlockHeader, domain: NetworkDomain): Uint8Array {
  const { networkId, chainId, inbox } = parseNetworkDomain(domain);
  if (header.networkId !== networkId) {
    throw new HeaderError('WRONG_NETWORK', `header.networkId ${header.networkId}, expected ${networkId}`);
  }
  // HEADER_TAG ‖ uint256 chainId ‖ address inbox ‖ Header
  const buffer = new Uint8Array(3 * 32 + HEADER_ABI_BYTES);
  writeBytes32Word(buffer, 0, HEADER_TAG_BYTES);
  writeUintWord(buffer, 32, chainId);
  writeAddressWord(buffer, 64, inbox);
  writeHeaderWords(buffer, 96, header);
  return keccak256Bytes(buffer);
}

/**
 * `keccak256(abi.encode(HEADER_TAG, uint256 chainId, address inbox, Header))`: the block id that
 * certificates sign and L1 stores. Binding chainId and inbox makes a certified header valid for
 * one deployment only. Throws HeaderError for an invalid header or one of another network.
 */
export function headerHash(header: BlockHeader, domain: NetworkDomain): Hex {
  return toLowerHex(headerHashBytes(header, domain));
}
