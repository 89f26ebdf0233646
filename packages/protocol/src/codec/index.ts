export { type Codec, defineCodec, MessageType, WIRE_VERSION } from './envelope.ts';
export { Reader, Writer } from './primitives.ts';
