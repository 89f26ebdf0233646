import { TransactionError } from '@synod/protocol';
import { describe, expect, test } from 'vitest';
import { MEMPOOL_ERROR_CODES, MempoolError } from '../../src/mempool/errors.ts';
import { APPLICATION_ERRORS, RpcBackendError, toRpcError } from '../../src/rpc/errors.ts';

describe('mapping backend errors to JSON-RPC errors', () => {
  test.each(MEMPOOL_ERROR_CODES)(
    'MempoolError %s keeps its code as data.code with its own JSON-RPC code',
    (code) => {
      const mapped = toRpcError(new MempoolError(code, 'details')).toJSON();
      expect(mapped).toEqual({
        code: APPLICATION_ERRORS[code].code,
        message: APPLICATION_ERRORS[code].message,
        data: { code, reason: expect.stringContaining('details') },
      });
    },
  );

  test("@synod/protocol's TransactionError maps by its code", () => {
    expect(toRpcError(new TransactionError('HIGH_S', 's too high')).toJSON()).toMatchObject({
      code: -32015,
      data: { code: 'HIGH_S' },
    });
  });

  test('RpcBackendError carries extra data; unknown codes and plain errors are internal', () => {
    expect(toRpcError(new RpcBackendError('UNAVAILABLE', 'syncing', { height: 3 })).toJSON()).toEqual({
      code: -32009,
      message: 'node unavailable',
      data: { code: 'UNAVAILABLE', height: 3, reason: 'syncing' },
    });
    const system = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(toRpcError(system).toJSON()).toEqual({
      code: -32603,
      message: 'internal error',
      data: { code: 'INTERNAL_ERROR' },
    });
    expect(toRpcError('a string').code).toBe('INTERNAL_ERROR');
  });
});
