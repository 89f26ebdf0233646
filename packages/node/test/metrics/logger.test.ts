import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { createLogger, subsystemLogger } from '../../src/logging/logger.ts';

/** A destination that keeps each JSON line. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  test('writes one JSON object per line with name, level label, ISO time and subsystem of the child', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', name: 'validator-1', destination });
    subsystemLogger(logger, 'rpc').info({ port: 8645 }, 'rpc listening');
    logger.debug('hidden below the level');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      name: 'validator-1',
      subsystem: 'rpc',
      port: 8645,
      msg: 'rpc listening',
    });
    expect(new Date(lines[0]!.time as string).toISOString()).toBe(lines[0]!.time);
  });

  test('redacts secrets at the top level and one level deep', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'trace', name: 'n', destination });
    logger.info({ password: 'hunter2', keystore: { password: 'x', path: '/k' } }, 'loaded');
    expect(lines[0]).toMatchObject({
      password: '[redacted]',
      keystore: { password: '[redacted]', path: '/k' },
    });
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });

  test('errors are serialized with their type and message', () => {
    const { lines, destination } = capture();
    createLogger({ level: 'info', name: 'n', destination }).error({ err: new TypeError('boom') }, 'failed');
    expect(lines[0]).toMatchObject({ level: 'error', err: { type: 'TypeError', message: 'boom' } });
  });

  test('an unknown level is refused', () => {
    expect(() => createLogger({ level: 'loud' as never, name: 'n' })).toThrow(/log level/);
  });
});
