import { APPLICATION_ERRORS, RPC_ERRORS } from '@synod/protocol/pure';
import { keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcBackendError } from '../../node/src/rpc/errors.ts';
import {
  BaseError,
  createSynodClient,
  http,
  InvalidParamsRpcError,
  InvalidTransactionError,
  MethodNotFoundRpcError,
  NonceTooFarAheadError,
  NonceUsedError,
  RPC_ERROR_CLASSES,
  type RpcErrorName,
  RpcRequestError,
  rpcErrorFromResponse,
  sendTransaction,
} from '../src/index.ts';
import { startTestNode, TEST_NETWORK, type TestNode } from './helpers/server.ts';

const namespace = keccak256(toHex('test-exchange'));
let node: TestNode;
beforeAll(async () => {
  node = await startTestNode();
});
afterAll(async () => {
  await node.stop();
});

describe('RPC error codes', () => {
  it('maps every code of the shared table (@synod/protocol RPC_ERRORS) to its own class, by data.code and by number', () => {
    const names = Object.keys(RPC_ERRORS) as RpcErrorName[];
    expect(names.sort()).toEqual(Object.keys(RPC_ERROR_CLASSES).sort());
    const classNames = new Set<string>();
    for (const name of names) {
      const { code, message } = RPC_ERRORS[name];
      const byName = rpcErrorFromResponse({
        method: 'm',
        url: 'u',
        error: { code, message, data: { code: name } },
      });
      const byNumber = rpcErrorFromResponse({ method: 'm', url: 'u', error: { code, message } });
      expect(byName).toBeInstanceOf(RPC_ERROR_CLASSES[name]);
      expect(byNumber).toBeInstanceOf(RPC_ERROR_CLASSES[name]);
      expect(byName.code).toBe(code);
      expect(byName.dataCode).toBe(name);
      classNames.add(byName.name);
    }
    expect(classNames.size).toBe(names.length);
    const unknown = rpcErrorFromResponse({ method: 'm', url: 'u', error: { code: -1, message: 'new' } });
    expect(unknown.constructor).toBe(RpcRequestError);
  });

  it('surfaces each application error a node returns as its class, with the node’s reason', async () => {
    const client = createSynodClient({ transport: http(node.url, { retryCount: 0 }), network: TEST_NETWORK });
    const account = privateKeyToAccount(`0x${'0c'.repeat(32)}`);
    for (const name of Object.keys(APPLICATION_ERRORS) as (keyof typeof APPLICATION_ERRORS)[]) {
      node.chain.sendErrors.push(new RpcBackendError(name, `injected ${name}`));
      const error = await sendTransaction(client, { account, namespace, payload: '0x01', nonce: 1n }).catch(
        (e) => e,
      );
      expect(error, name).toBeInstanceOf(RPC_ERROR_CLASSES[name]);
      expect(error.code).toBe(APPLICATION_ERRORS[name].code);
      expect(error.data.reason).toBe(`injected ${name}`);
      expect(error.shortMessage).not.toBe('');
    }
  });

  it('real rejections of the mempool rules: nonce used, too far ahead', async () => {
    const client = createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
    const account = privateKeyToAccount(`0x${'0d'.repeat(32)}`);
    await sendTransaction(client, { account, namespace, payload: '0x01', nonce: 0n });
    node.chain.produceBlock();
    const used = await sendTransaction(client, { account, namespace, payload: '0x02', nonce: 0n }).catch(
      (e) => e,
    );
    expect(used).toBeInstanceOf(NonceUsedError);
    const ahead = await sendTransaction(client, { account, namespace, payload: '0x02', nonce: 1_000n }).catch(
      (e) => e,
    );
    expect(ahead).toBeInstanceOf(NonceTooFarAheadError);
    expect(ahead.walk((e: unknown) => e instanceof RpcRequestError)).toBe(ahead);
  });

  it('protocol errors: unknown method, invalid params', async () => {
    const client = createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
    const unknown = await client
      .request({ method: 'synod_nope' as 'synod_status', params: [] })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(MethodNotFoundRpcError);
    const invalid = await client
      .request({ method: 'synod_getTransactionStatus', params: ['0x1234'] })
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidParamsRpcError);
    expect((invalid as InvalidParamsRpcError).data.param).toBe('txId');
  });
});

describe('BaseError', () => {
  it('has shortMessage, details, docsPath, version, and walk()', () => {
    const root = new Error('socket hang up');
    const error = new BaseError('Request failed.', { cause: root, docsPath: '#x' });
    expect(error.shortMessage).toBe('Request failed.');
    expect(error.details).toBe('socket hang up');
    expect(error.message).toContain('Docs: @synod/sdk README.md#x');
    expect(error.message).toContain(`Version: @synod/sdk@${error.version}`);
    expect(error.walk()).toBe(root);
    expect(error.walk((e) => e instanceof BaseError)).toBe(error);
    expect(error.walk((e) => e instanceof TypeError)).toBeNull();
  });

  it('refuses an invalid transaction before sending it', async () => {
    const client = createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
    const account = privateKeyToAccount(`0x${'0e'.repeat(32)}`);
    const sends = () => node.chain.calls.filter((call) => call === 'sendTransaction').length;
    const calls = sends();
    const error = await sendTransaction(client, {
      account,
      namespace,
      payload: `0x${'00'.repeat(5000)}`,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidTransactionError);
    expect(error.reason).toBe('PAYLOAD_TOO_LARGE');
    expect(sends()).toBe(calls);
    // The auto-filled nonce was given back: the next order still uses 0.
    const sent = await sendTransaction(client, { account, namespace, payload: '0x01' });
    expect(sent.transaction.nonce).toBe(0n);
  });
});
