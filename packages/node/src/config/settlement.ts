import { L1_MAX_SETTLEMENT_NAMESPACES } from '../l1/constants.ts';
import { type CheckResult, checkAddress, describeValue } from './fields.ts';

/**
 * `l1.settlement`: the namespaces whose batches this validator settles on L1, each with the
 * SynodBatchSettlement contract bound to it (docs/operations.md "L1 settlement", "Batch
 * settlement"). Checked entry by entry, so an error names the element (`l1.settlement[1].namespace`).
 */

/** One entry of `l1.settlement`, as loaded (both lowercase). */
export interface SettlementEntry {
  /** bytes32 namespace, 0x-hex (e.g. keccak256 of the app's name). */
  readonly namespace: string;
  /** The app's SynodBatchSettlement contract on L1. */
  readonly contract: string;
}

const KEYS = new Set(['namespace', 'contract']);
const NAMESPACE_PATTERN = /^0x[0-9a-fA-F]{64}$/;

type Failure = { ok: false; reason: string; subKey: string };
const failAt = (subKey: string, reason: string, got: unknown): Failure => ({
  ok: false,
  reason: `${reason}, got ${describeValue(got)}`,
  subKey,
});

/** Checks the config value of `l1.settlement`; the value kept is the entries, lowercased. */
export function checkSettlement(value: unknown): CheckResult<readonly SettlementEntry[]> {
  if (!Array.isArray(value)) return failAt('', 'must be a list of {namespace, contract} objects', value);
  if (value.length > L1_MAX_SETTLEMENT_NAMESPACES) {
    return failAt('', `must have at most ${L1_MAX_SETTLEMENT_NAMESPACES} namespaces`, value.length);
  }
  const entries: SettlementEntry[] = [];
  const namespaces = new Set<string>();
  const contracts = new Set<string>();
  for (const [i, item] of value.entries()) {
    const at = `[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return failAt(at, 'must be an object {namespace, contract}', item);
    }
    const fields = item as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (!KEYS.has(key)) return failAt(`${at}.${key}`, 'unknown key (namespace, contract)', fields[key]);
    }
    const { namespace, contract } = fields;
    if (typeof namespace !== 'string' || !NAMESPACE_PATTERN.test(namespace)) {
      return failAt(`${at}.namespace`, 'must be a 0x-prefixed 32-byte hex namespace', namespace);
    }
    if (namespaces.has(namespace.toLowerCase())) {
      return failAt(`${at}.namespace`, 'duplicate namespace (one contract per namespace)', namespace);
    }
    if (typeof contract !== 'string' || checkAddress(contract) !== undefined) {
      return failAt(`${at}.contract`, 'must be a 0x-prefixed 20-byte hex address', contract);
    }
    if (contracts.has(contract.toLowerCase())) {
      return failAt(
        `${at}.contract`,
        'duplicate contract (a settlement contract is bound to one namespace)',
        contract,
      );
    }
    namespaces.add(namespace.toLowerCase());
    contracts.add(contract.toLowerCase());
    entries.push({ namespace: namespace.toLowerCase(), contract: contract.toLowerCase() });
  }
  return { ok: true, value: entries };
}
