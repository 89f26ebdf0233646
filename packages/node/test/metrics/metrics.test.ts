import { Registry } from 'prom-client';
import { afterEach, describe, expect, test } from 'vitest';
import { createNodeMetrics, createNodeRegistry } from '../../src/metrics/node.ts';
import { createMetricsServer, type MetricsServer } from '../../src/metrics/server.ts';
import type { RpcServer } from '../../src/rpc/server.ts';
import { call, get, StubBackend, startServer } from '../rpc/helpers.ts';

const stoppable: (MetricsServer | RpcServer)[] = [];
afterEach(async () => {
  await Promise.all(stoppable.splice(0).map((server) => server.stop()));
});

/** The value of one sample line `name{labels} value` in Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('node metrics', () => {
  test('every subsystem registers into one Registry, and twice is an error (one bundle per node)', () => {
    const register = new Registry();
    createNodeMetrics(register);
    expect(() => createNodeMetrics(register)).toThrow(/already been registered/);
  });

  test('the standalone /metrics endpoint serves the named series once touched', async () => {
    const register = createNodeRegistry({ labels: { node: 'validator-1' } });
    const metrics = createNodeMetrics(register);
    metrics.consensus.height.set(42);
    metrics.consensus.round.set(1);
    metrics.consensus.finalizedTransactionsTotal.inc(250);
    metrics.consensus.voteLatencySeconds.observe({ step: 'prevote' }, 0.03);
    metrics.consensus.commitLatencySeconds.observe(0.8);
    metrics.mempool.size.set(17);
    metrics.mempool.bytes.set(4096);
    metrics.p2p.peersConnected.set(3);
    metrics.p2p.gossipMessagesTotal.inc({ topic: 'transactions', result: 'reject', code: 'BAD_SIGNATURE' });

    const server = createMetricsServer({ register, host: '127.0.0.1', port: 0 });
    stoppable.push(server);
    const { url } = await server.start();
    const response = await get(url, '/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    const text = response.text;
    expect(sample(text, 'synod_consensus_height{node="validator-1"}')).toBe(42);
    expect(sample(text, 'synod_consensus_round{node="validator-1"}')).toBe(1);
    expect(sample(text, 'synod_finalized_transactions_total{node="validator-1"}')).toBe(250);
    expect(sample(text, 'synod_mempool_transactions{node="validator-1"}')).toBe(17);
    expect(sample(text, 'synod_mempool_bytes{node="validator-1"}')).toBe(4096);
    expect(sample(text, 'synod_p2p_peers{node="validator-1"}')).toBe(3);
    expect(
      sample(
        text,
        'synod_gossip_messages_total{topic="transactions",result="reject",code="BAD_SIGNATURE",node="validator-1"}',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        'synod_consensus_vote_latency_seconds_bucket{le="0.05",node="validator-1",step="prevote"}',
      ),
    ).toBe(1);
    expect(sample(text, 'synod_consensus_commit_latency_seconds_count{node="validator-1"}')).toBe(1);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect((await get(url, '/other')).status).toBe(404);
  });
});

describe('RPC metrics', () => {
  test('GET /metrics on the RPC port counts each request in the latency histogram and errors by code', async () => {
    const register = new Registry();
    const metrics = createNodeMetrics(register);
    const { server, address } = await startServer({
      backend: new StubBackend(),
      metrics: metrics.rpc,
      metricsRegister: register,
    });
    stoppable.push(server);
    const count = async () =>
      sample(
        (await get(address.url, '/metrics')).text,
        'synod_rpc_request_duration_seconds_count{method="synod_status",transport="http"}',
      ) ?? 0;

    expect(await count()).toBe(0);
    await call(address.url, 'synod_status');
    expect(await count()).toBe(1);
    await call(address.url, 'synod_status');
    await call(address.url, 'synod_status');
    expect(await count()).toBe(3);

    await call(address.url, 'synod_getPrice', [42]);
    await call(address.url, 'no_such_method');
    const text = (await get(address.url, '/metrics')).text;
    expect(sample(text, 'synod_rpc_errors_total{method="synod_getPrice",code="INVALID_PARAMS"}')).toBe(1);
    // A client-chosen method name never becomes a label value.
    expect(sample(text, 'synod_rpc_errors_total{method="unknown",code="METHOD_NOT_FOUND"}')).toBe(1);
    expect(text).not.toContain('no_such_method');
  });

  test('without metricsRegister the RPC port has no /metrics route', async () => {
    const { server, address } = await startServer({ backend: new StubBackend() });
    stoppable.push(server);
    expect((await get(address.url, '/metrics')).status).toBe(404);
  });
});
