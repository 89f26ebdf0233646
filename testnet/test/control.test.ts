import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ControlServer, parseControlRequest, parseNodeName, TestnetControl } from '../src/control.ts';
import { runCtl } from '../src/ctl.ts';
import { ControlError } from '../src/errors.ts';
import { testnetLayout } from '../src/layout.ts';
import { ProcessSupervisor } from '../src/processes.ts';
import { LinkMesh } from '../src/proxy.ts';
import type { NodeRpc } from '../src/rpc.ts';
import { ValidatorSet } from '../src/validators.ts';

describe('parseControlRequest', () => {
  const parse = (method: string, path: string, body?: unknown) =>
    parseControlRequest({ method, path, body }, 4);

  test('reads every command', () => {
    expect(parse('GET', '/status')).toEqual({ ok: true, command: { kind: 'status' } });
    expect(parse('GET', '/')).toEqual({ ok: true, command: { kind: 'status' } });
    expect(parse('POST', '/nodes/node-2/kill')).toEqual({
      ok: true,
      command: { kind: 'node', action: 'kill', node: 2, restart: false },
    });
    expect(parse('POST', '/nodes/3/stop', { restart: true })).toEqual({
      ok: true,
      command: { kind: 'node', action: 'stop', node: 3, restart: true },
    });
    for (const action of ['pause', 'resume', 'restart', 'start'])
      expect(parse('POST', `/nodes/node-0/${action}/`)).toMatchObject({
        ok: true,
        command: { action, node: 0 },
      });
    expect(parse('POST', '/links/node-1/node-3/cut')).toEqual({
      ok: true,
      command: { kind: 'link', action: 'cut', a: 1, b: 3, delayMs: 0 },
    });
    expect(parse('POST', '/links/0/1/delay', { ms: 250 })).toMatchObject({
      ok: true,
      command: { action: 'delay', delayMs: 250 },
    });
    expect(parse('POST', '/links/2/0/blackhole')).toMatchObject({
      ok: true,
      command: { action: 'blackhole' },
    });
    expect(parse('POST', '/links/2/0/heal')).toMatchObject({ ok: true, command: { action: 'heal' } });
    expect(parse('POST', '/partition', { nodes: ['node-3', '1', 'node-3'] })).toEqual({
      ok: true,
      command: { kind: 'partition', nodes: [1, 3], mode: 'cut' },
    });
    expect(parse('POST', '/partition', { nodes: ['node-2'], mode: 'blackhole' })).toMatchObject({
      ok: true,
      command: { mode: 'blackhole' },
    });
    expect(parse('POST', '/heal')).toEqual({ ok: true, command: { kind: 'heal-all' } });
  });

  test.each([
    ['POST', '/nodes/node-4/kill', undefined, 404, 'unknown node "node-4": this testnet has node-0 … node-3'],
    ['POST', '/nodes/bob/kill', undefined, 404, 'unknown node "bob"'],
    [
      'POST',
      '/nodes/node-1/explode',
      undefined,
      400,
      'unknown node command "explode": one of kill, stop, pause, resume, restart, start, sources-down, sources-up',
    ],
    ['POST', '/links/node-1/node-9/cut', undefined, 404, 'unknown node "node-9"'],
    ['POST', '/links/1/1/cut', undefined, 400, 'two different nodes'],
    [
      'POST',
      '/links/1/2/sever',
      undefined,
      400,
      'unknown link command "sever": one of cut, blackhole, heal, delay',
    ],
    ['POST', '/links/1/2/delay', undefined, 400, 'delay needs {"ms": N}'],
    ['POST', '/links/1/2/delay', { ms: -5 }, 400, 'delay needs {"ms": N}'],
    ['POST', '/links/1/2/delay', { ms: '100' }, 400, 'delay needs {"ms": N}'],
    ['POST', '/links/1/2/delay', { ms: 600_000 }, 400, 'in 0..60000'],
    ['POST', '/nodes/1/pause', { restart: true }, 400, '"restart" goes with kill and stop'],
    ['POST', '/nodes/1/kill', { restart: 'yes' }, 400, '"restart" must be true or false'],
    ['POST', '/nodes/1/kill', [1], 400, 'the body must be a JSON object'],
    ['POST', '/partition', undefined, 400, 'partition needs {"nodes"'],
    ['POST', '/partition', { nodes: ['node-7'] }, 404, 'unknown node "node-7"'],
    ['POST', '/partition', { nodes: [0, 1, 2, 3] }, 400, 'at least one node on the other side'],
    ['POST', '/partition', { nodes: [0], mode: 'drop' }, 400, '"mode" is "cut" or "blackhole"'],
    ['GET', '/nodes/1/kill', undefined, 405, 'takes POST, not GET'],
    ['POST', '/status', undefined, 405, 'takes GET, not POST'],
    ['GET', '/bogus', undefined, 404, 'no such endpoint GET /bogus'],
  ])('%s %s %j → %i', (method, path, body, status, error) => {
    const parsed = parse(method, path, body);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.status).toBe(status);
    expect(parsed.error).toContain(error);
  });

  test('node names', () => {
    expect(parseNodeName('node-0', 4)).toBe(0);
    expect(parseNodeName('3', 4)).toBe(3);
    expect(parseNodeName('node-4', 4)).toBeUndefined();
    expect(parseNodeName('node-', 4)).toBeUndefined();
    expect(parseNodeName('-1', 4)).toBeUndefined();
  });
});

/** The endpoint over HTTP, with idle processes as validators and a link mesh nobody dials. */
describe('ControlServer and TestnetControl', () => {
  let dir: string;
  let supervisor: ProcessSupervisor;
  let validators: ValidatorSet;
  let links: LinkMesh;
  let server: ControlServer;
  let control: TestnetControl;
  const events: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'synod-control-'));
    supervisor = new ProcessSupervisor();
    const nodes = [0, 1, 2].map((index) => {
      const spawn = () =>
        supervisor.spawn(`node-${index}`, process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
          logPath: join(dir, `node-${index}.log`),
        });
      return { index, process: spawn(), spawn };
    });
    validators = new ValidatorSet(nodes, { onEvent: (message) => events.push(message) });
    links = new LinkMesh({ nodes: 3, proxyPort: () => 0, targetPort: () => 1 });
    await links.start();
    const unreachable: NodeRpc = {
      url: 'http://127.0.0.1:1/',
      status: () => Promise.reject(new Error('no node')),
      blockByHeight: () => Promise.reject(new Error('no node')),
      blocksByHeight: () => Promise.reject(new Error('no node')),
      sendRawTransactions: () => Promise.reject(new Error('no node')),
    };
    server = new ControlServer(
      { validators, links, rpc: () => unreachable, onEvent: (message) => events.push(message) },
      { port: 0 },
    );
    control = new TestnetControl(await server.start());
  });

  afterAll(async () => {
    validators.close();
    await server.close();
    await supervisor.stopAll({ graceMs: 1_000 });
    await links.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('unknown node or command: a 4xx with a JSON error, through the client and raw HTTP', async () => {
    const error = await control.kill('node-7').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlError);
    expect(error).toMatchObject({
      status: 404,
      message: 'unknown node "node-7": this testnet has node-0 … node-2',
    });

    const raw = await fetch(new URL('nodes/node-1/explode', control.url), { method: 'POST' });
    expect(raw.status).toBe(400);
    expect(raw.headers.get('content-type')).toBe('application/json');
    expect(await raw.json()).toEqual({
      error:
        'unknown node command "explode": one of kill, stop, pause, resume, restart, start, sources-down, sources-up',
    });

    const notJson = await fetch(new URL('links/0/1/delay', control.url), { method: 'POST', body: '{ms: 3' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: 'the body is not JSON' });
  });

  test('node commands, and a 409 for one that does not fit the node state', async () => {
    expect(await control.kill(1)).toMatchObject({ name: 'node-1', state: 'stopped', exits: 1 });
    await expect(control.pause('node-1')).rejects.toMatchObject({
      status: 409,
      message: 'cannot pause node-1: it is not running (stopped)',
    });
    expect(await control.start('node-1')).toMatchObject({ state: 'running', restarts: 1 });
    expect(await control.pause('node-1')).toMatchObject({ state: 'paused' });
    expect(await control.resume('node-1')).toMatchObject({ state: 'running' });
    const status = await control.status();
    expect(status.nodes.map((node) => node.state)).toEqual(['running', 'running', 'running']);
    expect(status.nodes[1]).toMatchObject({ exits: 1, restarts: 1, finalizedHeight: null, peers: null });
    expect(status.totals).toEqual({ exits: 1, restarts: 1, crashes: 0 });
  });

  test('link commands set both proxies of a link', async () => {
    expect(await control.cut('node-0', 'node-2')).toMatchObject({ a: 'node-0', b: 'node-2', mode: 'cut' });
    expect(links.proxy(2, 0).condition.mode).toBe('cut');
    expect(await control.delay(1, 0, 120)).toMatchObject({
      a: 'node-0',
      b: 'node-1',
      mode: 'up',
      delayMs: 120,
    });
    await control.partition(['node-1'], { mode: 'blackhole' });
    expect(links.condition(1, 2).mode).toBe('blackhole');
    expect(links.condition(0, 2).mode).toBe('cut');
    const { links: healed } = await control.healAll();
    expect(healed.every((link) => link.mode === 'up' && link.delayMs === 0)).toBe(true);
    expect(events).toContain('link node-0 — node-2 cut');
    expect(events).toContain('partition (blackhole): node-1 separated from the other nodes');
  });

  test('pnpm testnet:ctl: finds the endpoint in control.json, prints, and exits 1/2/3 as documented', async () => {
    const layout = testnetLayout(dir);
    const run = async (...argv: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await runCtl(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
      return { code, stdout, stderr };
    };
    // No testnet running there yet.
    const previous = process.env.SYNOD_TESTNET_DIR;
    process.env.SYNOD_TESTNET_DIR = dir;
    try {
      expect(await run('status')).toMatchObject({
        code: 3,
        stderr: expect.stringContaining('no running testnet'),
      });
      await writeFile(layout.control, JSON.stringify({ url: control.url }));
      const status = await run('status');
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/^nodes:\n {2}node-0 {3}running {9}pid \d+/);
      expect(status.stdout).toContain('links: all 3 up');
      expect(await run('delay', 'node-0', '2', '50')).toMatchObject({
        code: 0,
        stdout: expect.stringContaining('delayed 50 ms'),
      });
      expect(await run('kill', 'node-5')).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('unknown node "node-5"'),
      });
      expect(await run('pause', 'node-0', '--restart')).toMatchObject({ code: 2 });
      expect(await run('teleport', 'node-0')).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('unknown command'),
      });
      const json = await run('heal-all', '--json');
      expect(JSON.parse(json.stdout).links).toHaveLength(3);
    } finally {
      if (previous === undefined) delete process.env.SYNOD_TESTNET_DIR;
      else process.env.SYNOD_TESTNET_DIR = previous;
    }
  });
});
