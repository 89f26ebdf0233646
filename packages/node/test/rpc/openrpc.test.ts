import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { OPENRPC_PATH } from '../../scripts/openrpc.ts';
import { APPLICATION_ERRORS, PROTOCOL_ERRORS } from '../../src/rpc/errors.ts';
import { openRpcDocument, RPC_METHODS } from '../../src/rpc/methods.ts';
import { call, StubBackend, startServer } from './helpers.ts';

describe('OpenRPC document', () => {
  test('docs/openrpc.json is fresh (run `pnpm --filter @synod/node openrpc` after changing a method)', () => {
    expect(JSON.parse(readFileSync(OPENRPC_PATH, 'utf8'))).toEqual(openRpcDocument());
  });

  test('rpc.discover serves the document, listing every registry method with params, result and errors', async () => {
    const { server, address } = await startServer({ backend: new StubBackend() });
    try {
      const document = (await call(address.url, 'rpc.discover')).result as ReturnType<typeof openRpcDocument>;
      expect(document).toEqual(openRpcDocument());
      expect(document.methods.map((method) => method.name).sort()).toEqual(Object.keys(RPC_METHODS).sort());
      const send = document.methods.find((method) => method.name === 'synod_sendTransaction')!;
      expect(send.params).toEqual([
        {
          name: 'transaction',
          required: true,
          schema: expect.objectContaining({ type: 'string', maxLength: 8488 }),
        },
      ]);
      expect(send.errors).toContainEqual({ $ref: '#/components/errors/NONCE_USED' });
      for (const method of document.methods) {
        for (const { $ref } of method.errors) {
          expect(document.components.errors).toHaveProperty($ref.replace('#/components/errors/', ''));
        }
      }
    } finally {
      await server.stop();
    }
  });

  test('error codes are unique, and application codes lie in -32000 … -32099', () => {
    const codes = Object.values({ ...PROTOCOL_ERRORS, ...APPLICATION_ERRORS }).map((error) => error.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const { code } of Object.values(APPLICATION_ERRORS)) {
      expect(code).toBeLessThanOrEqual(-32000);
      expect(code).toBeGreaterThanOrEqual(-32099);
    }
  });

  test('every $ref to a component schema resolves', () => {
    const document = openRpcDocument();
    const refs = JSON.stringify(document).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const ref of refs) expect(document.components.schemas).toHaveProperty(ref.split('/').pop()!);
  });
});
