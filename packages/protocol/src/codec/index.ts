export { type Codec, defineCodec, MessageType, WIRE_VERSION } from './envelope.ts';
export { parseHex, toLowerHex } from './hex.ts';
export { Reader, Writer } from './primitives.ts';
