import { describe, expect, it } from 'vitest';
import {
  APPLICATION_ERRORS,
  MEMPOOL_ERRORS,
  PROTOCOL_ERRORS,
  RPC_ERRORS,
  SERVER_ERRORS,
  TRANSACTION_ERRORS,
} from '../src/pure.ts';

/** The RPC error table shared by the node and the SDK (src/rpc/errors.ts). */
describe('RPC error table', () => {
  it('gives every symbolic name its own numeric code, never reused', () => {
    const codes = Object.values(RPC_ERRORS).map((row) => row.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(Object.keys(RPC_ERRORS)).toHaveLength(
      [PROTOCOL_ERRORS, SERVER_ERRORS, TRANSACTION_ERRORS, MEMPOOL_ERRORS].reduce(
        (sum, table) => sum + Object.keys(table).length,
        0,
      ),
    );
  });

  it('keeps each group in its range, and application errors out of the JSON-RPC spec’s', () => {
    const inRange = (table: Record<string, { code: number }>, high: number, low: number) =>
      Object.values(table).every(({ code }) => code <= high && code >= low);
    expect(inRange(PROTOCOL_ERRORS, -32600, -32700)).toBe(true);
    expect(inRange(SERVER_ERRORS, -32004, -32009)).toBe(true);
    expect(inRange(TRANSACTION_ERRORS, -32010, -32019)).toBe(true);
    expect(inRange(MEMPOOL_ERRORS, -32020, -32029)).toBe(true);
    expect(inRange(APPLICATION_ERRORS, -32000, -32099)).toBe(true);
  });

  it('has short lowercase messages and a description for every row', () => {
    for (const [name, row] of Object.entries(RPC_ERRORS)) {
      expect(row.message, name).toMatch(/^[a-z][a-z -]*$/);
      expect(row.description.length, name).toBeGreaterThan(10);
    }
  });
});
