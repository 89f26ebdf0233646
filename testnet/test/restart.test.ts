import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { NodeStateError } from '../src/errors.ts';
import { isProcessAlive, type ManagedProcess, ProcessSupervisor } from '../src/processes.ts';
import { DEFAULT_RESTART_POLICY, RestartBackoff } from '../src/restart.ts';
import { type SupervisedNode, ValidatorSet } from '../src/validators.ts';
import { waitUntil } from '../src/wait.ts';

describe('RestartBackoff', () => {
  test('1 s doubling to 30 s by default', () => {
    const backoff = new RestartBackoff();
    expect(DEFAULT_RESTART_POLICY).toEqual({
      initialDelayMs: 1_000,
      maxDelayMs: 30_000,
      resetAfterMs: 60_000,
    });
    const delays = Array.from({ length: 8 }, () => backoff.nextDelayMs(500));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    expect(backoff.attempt).toBe(8);
  });

  test('starts over after the node stayed up for resetAfterMs, or on reset()', () => {
    const backoff = new RestartBackoff();
    backoff.nextDelayMs(0);
    backoff.nextDelayMs(0);
    expect(backoff.nextDelayMs(59_999)).toBe(4_000);
    expect(backoff.nextDelayMs(60_000)).toBe(1_000);
    expect(backoff.nextDelayMs(0)).toBe(2_000);
    backoff.reset();
    expect(backoff.nextDelayMs(0)).toBe(1_000);
  });

  test('refuses a policy that makes no sense', () => {
    expect(() => new RestartBackoff({ initialDelayMs: 0, maxDelayMs: 1, resetAfterMs: 1 })).toThrow(
      RangeError,
    );
    expect(() => new RestartBackoff({ initialDelayMs: 10, maxDelayMs: 5, resetAfterMs: 1 })).toThrow(
      RangeError,
    );
  });
});

/**
 * ValidatorSet with real (tiny) processes: `node -e` children that idle, or exit with a code, in
 * place of validators. Short back-off so that the test takes a second, not a minute.
 */
describe('ValidatorSet', () => {
  const POLICY = { initialDelayMs: 100, maxDelayMs: 400, resetAfterMs: 60_000 };
  let dir: string;
  let supervisor: ProcessSupervisor;
  let sets: ValidatorSet[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'synod-validators-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const set of sets) set.close();
    sets = [];
    await supervisor?.stopAll({ graceMs: 1_000 });
  });

  /** A node whose process idles (or, with exitCode, exits at once with it, every time it starts). */
  function fakeNode(index: number, behaviour: { exitCode?: number } = {}): SupervisedNode {
    const script =
      behaviour.exitCode === undefined
        ? "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000)"
        : `process.exit(${behaviour.exitCode})`;
    const spawn = (): ManagedProcess =>
      supervisor.spawn(`node-${index}`, process.execPath, ['-e', script], {
        logPath: join(dir, `node-${index}.log`),
      });
    return { index, process: spawn(), spawn };
  }

  function validatorSet(nodes: SupervisedNode[], restart = true): { set: ValidatorSet; events: string[] } {
    const events: string[] = [];
    const set = new ValidatorSet(nodes, {
      restart,
      policy: POLICY,
      onEvent: (message) => events.push(message),
    });
    sets.push(set);
    return { set, events };
  }

  test('a validator killed from outside is reported and restarted after the back-off; the others run on', async () => {
    supervisor = new ProcessSupervisor();
    const nodes = [fakeNode(0), fakeNode(1)];
    const { set, events } = validatorSet(nodes);
    const killedPid = nodes[1]!.process.pid;
    const killedAt = Date.now();
    process.kill(killedPid, 'SIGKILL');
    await waitUntil(() => set.nodeStatus(1).state === 'restarting', { timeoutMs: 5_000, what: 'the exit' });
    expect(events[0]).toMatch(/^node-1 killed by SIGKILL after .*; restarting in 0\.1 s; see .*node-1\.log$/);
    await waitUntil(() => set.nodeStatus(1).state === 'running', { timeoutMs: 5_000, what: 'the restart' });
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(POLICY.initialDelayMs);
    const status = set.nodeStatus(1);
    expect(status).toMatchObject({
      exits: 1,
      restarts: 1,
      crashes: 0,
      lastExit: { signal: 'SIGKILL', cause: 'signal' },
    });
    expect(status.pid).not.toBe(killedPid);
    expect(isProcessAlive(status.pid!)).toBe(true);
    expect(events[1]).toMatch(/^node-1 restarted \(attempt 1\): pid \d+$/);
    expect(set.nodeStatus(0)).toMatchObject({ state: 'running', exits: 0 });
    expect(set.totals()).toEqual({ exits: 1, restarts: 1, crashes: 0 });
  });

  test('a node that keeps crashing is retried ever more slowly, and counted as crashing', async () => {
    supervisor = new ProcessSupervisor();
    const { set, events } = validatorSet([fakeNode(0, { exitCode: 3 })]);
    await waitUntil(() => set.nodeStatus(0).exits >= 4, { timeoutMs: 10_000, what: 'four exits' });
    const delays = events
      .filter((event) => event.includes('exited with code 3'))
      .map((event) => /restarting in ([\d.]+) s/.exec(event)![1]);
    expect(delays.slice(0, 4)).toEqual(['0.1', '0.2', '0.4', '0.4']);
    expect(set.nodeStatus(0).crashes).toBe(set.nodeStatus(0).exits);
    expect(set.nodeStatus(0).lastExit).toMatchObject({ code: 3, cause: 'crash' });
  });

  test('--no-restart: the node stays down, reported as exited', async () => {
    supervisor = new ProcessSupervisor();
    const nodes = [fakeNode(0)];
    const { set, events } = validatorSet(nodes, false);
    process.kill(nodes[0]!.process.pid, 'SIGKILL');
    await waitUntil(() => set.nodeStatus(0).state === 'exited', { timeoutMs: 5_000, what: 'the exit' });
    await new Promise((resolve) => setTimeout(resolve, 3 * POLICY.initialDelayMs));
    expect(set.nodeStatus(0)).toMatchObject({ state: 'exited', restarts: 0, pid: null });
    expect(events[0]).toMatch(/not restarted \(--no-restart\)/);
  });

  test('a node killed through the control interface stays down until started; kill --restart uses the policy', async () => {
    supervisor = new ProcessSupervisor();
    const nodes = [fakeNode(0)];
    const { set, events } = validatorSet(nodes);
    expect(await set.kill(0)).toMatchObject({ state: 'stopped', exits: 1, lastExit: { cause: 'control' } });
    await new Promise((resolve) => setTimeout(resolve, 3 * POLICY.initialDelayMs));
    expect(set.nodeStatus(0)).toMatchObject({ state: 'stopped', restarts: 0 });
    expect(events).toEqual(['node-0 killed (SIGKILL) by the control interface; it stays down until started']);
    expect(() => set.pause(0)).toThrow(NodeStateError);

    expect(set.start(0)).toMatchObject({ state: 'running', restarts: 1 });
    expect(() => set.start(0)).toThrow(/already running/);

    await set.kill(0, { restart: true });
    expect(set.nodeStatus(0).state).toBe('restarting');
    await waitUntil(() => set.nodeStatus(0).state === 'running', { timeoutMs: 5_000, what: 'the restart' });
    expect(set.totals()).toEqual({ exits: 2, restarts: 2, crashes: 0 });
  });

  test('pause, resume, stop and restart', async () => {
    supervisor = new ProcessSupervisor();
    const nodes = [fakeNode(0)];
    const { set } = validatorSet(nodes);
    const pid = nodes[0]!.process.pid;
    await new Promise((resolve) => setTimeout(resolve, 500)); // its SIGTERM handler is installed
    expect(set.pause(0)).toMatchObject({ state: 'paused', pid });
    expect(set.isRunning(0)).toBe(false);
    expect(() => set.pause(0)).toThrow(/already paused/);
    expect(set.resume(0)).toMatchObject({ state: 'running', pid });
    expect(() => set.resume(0)).toThrow(/not paused/);

    // A paused node still stops gracefully (SIGTERM, then SIGCONT so that it handles it), well
    // before the 5 s grace period would end in a SIGKILL.
    set.pause(0);
    const stopping = Date.now();
    expect(await set.stop(0)).toMatchObject({ state: 'stopped', lastExit: { code: 0, cause: 'control' } });
    expect(Date.now() - stopping).toBeLessThan(2_000);

    expect(await set.restart(0)).toMatchObject({ state: 'running', restarts: 1 });
    const restartedPid = set.nodeStatus(0).pid!;
    expect(await set.restart(0)).toMatchObject({ state: 'running', restarts: 2 });
    expect(set.nodeStatus(0).pid).not.toBe(restartedPid);
    expect(isProcessAlive(restartedPid)).toBe(false);
  });

  test('after close (the testnet stops), exits are neither counted nor restarted', async () => {
    supervisor = new ProcessSupervisor();
    const nodes = [fakeNode(0)];
    const { set } = validatorSet(nodes);
    set.close();
    await supervisor.stopAll({ graceMs: 1_000 });
    expect(set.nodeStatus(0)).toMatchObject({ exits: 0, restarts: 0 });
    await expect(set.restart(0)).rejects.toThrow(/stopping/);
  });
});
