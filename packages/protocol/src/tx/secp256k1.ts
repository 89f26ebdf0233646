import { createRequire } from 'node:module';
import { secp256k1 as nobleSecp256k1 } from '@noble/curves/secp256k1.js';
import { TransactionError } from './errors.ts';

/**
 * Public-key recovery for transaction signatures. The native libsecp256k1 addon recovers >20×
 * faster than @noble/curves (DESIGN.md: 17k/s vs 770/s per core), so it is the default; noble is
 * the fallback when the addon cannot load (unsupported platform, no prebuild), with one warning.
 *
 * The addon is loaded from `secp256k1/bindings`, not `secp256k1`: the package's index silently
 * falls back to a pure-JS (elliptic) implementation, which would hide a missing addon.
 */

export type Secp256k1BackendName = 'native' | 'noble';

/**
 * Recovers the uncompressed public key (65 bytes, 0x04 ‖ x ‖ y) from a 64-byte `r ‖ s`, the
 * recovery bit (0/1) and the 32-byte digest. Throws TransactionError BAD_SIGNATURE when no key
 * can be recovered. Callers check r, s ranges and low s first.
 */
export type RecoverPublicKey = (signature: Uint8Array, recovery: number, digest: Uint8Array) => Uint8Array;

/** A public-key recovery implementation and its name (for logs, metrics and the benchmark). */
export interface Secp256k1Backend {
  readonly name: Secp256k1BackendName;
  readonly recoverPublicKey: RecoverPublicKey;
}

/** The part of the `secp256k1/bindings` module we use. */
export interface NativeSecp256k1Binding {
  ecdsaRecover(signature: Uint8Array, recovery: number, digest: Uint8Array, compressed: boolean): Uint8Array;
}

function loadNativeBinding(): NativeSecp256k1Binding {
  const require = createRequire(import.meta.url);
  return require('secp256k1/bindings') as NativeSecp256k1Binding;
}

let nativeBinding: NativeSecp256k1Binding | undefined;
let nativeLoadError: unknown;
try {
  nativeBinding = loadNativeBinding();
} catch (error) {
  nativeLoadError = error;
}

function recoverWith(binding: NativeSecp256k1Binding): RecoverPublicKey {
  return (signature, recovery, digest) => {
    try {
      return binding.ecdsaRecover(signature, recovery, digest, false);
    } catch (cause) {
      throw new TransactionError('BAD_SIGNATURE', 'no public key recovers from this signature', { cause });
    }
  };
}

function bigIntFrom(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

const nativeRecover = nativeBinding === undefined ? undefined : recoverWith(nativeBinding);

/** Public-key recovery with @noble/curves (pure JS). */
export const recoverPublicKeyNoble: RecoverPublicKey = (signature, recovery, digest) => {
  try {
    const r = bigIntFrom(signature.subarray(0, 32));
    const s = bigIntFrom(signature.subarray(32, 64));
    return new nobleSecp256k1.Signature(r, s, recovery).recoverPublicKey(digest).toBytes(false);
  } catch (cause) {
    throw new TransactionError('BAD_SIGNATURE', 'no public key recovers from this signature', { cause });
  }
};

/**
 * Public-key recovery with the native libsecp256k1 addon. Asserts that the addon loaded
 * (check `secp256k1Backend === 'native'` first).
 */
export const recoverPublicKeyNative: RecoverPublicKey = (signature, recovery, digest) => {
  if (nativeRecover === undefined) {
    throw new Error('native secp256k1 binding is not loaded', { cause: nativeLoadError });
  }
  return nativeRecover(signature, recovery, digest);
};

/** Injection points of selectSecp256k1Backend. */
export interface SelectSecp256k1BackendOptions {
  /** Loads the addon; defaults to the module's own `secp256k1/bindings` load (tests inject a failure). */
  loadNative?: () => NativeSecp256k1Binding;
  /** Receives the one warning when falling back to noble; defaults to console.warn. */
  logger?: (message: string) => void;
}

/** Picks native libsecp256k1 if its addon loads, else @noble/curves with one warning through `logger`. */
export function selectSecp256k1Backend(options: SelectSecp256k1BackendOptions = {}): Secp256k1Backend {
  const { logger = console.warn } = options;
  let binding: NativeSecp256k1Binding | undefined;
  let loadError: unknown;
  if (options.loadNative === undefined) {
    if (nativeRecover !== undefined) return { name: 'native', recoverPublicKey: nativeRecover };
    loadError = nativeLoadError;
  } else {
    try {
      binding = options.loadNative();
    } catch (error) {
      loadError = error;
    }
  }
  if (binding !== undefined) return { name: 'native', recoverPublicKey: recoverWith(binding) };
  const reason = loadError instanceof Error ? loadError.message : String(loadError);
  logger(
    `synod: native secp256k1 (libsecp256k1) failed to load (${reason}); falling back to @noble/curves, ` +
      'which recovers transaction signers more than 20x slower',
  );
  return { name: 'noble', recoverPublicKey: recoverPublicKeyNoble };
}

/** The backend used when none is passed, selected once when this module loads. */
export const defaultSecp256k1Backend: Secp256k1Backend = selectSecp256k1Backend();

/** Which backend recovers transaction signers by default: 'native' unless the addon failed to load. */
export const secp256k1Backend: Secp256k1BackendName = defaultSecp256k1Backend.name;
