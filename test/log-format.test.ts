/**
 * The logger's two formats (node/log.ts): today's text line, and `log-format json`, one JSON
 * object per line with time, level, module, msg and the event's fields, as log collectors read.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../node/log.js';

describe('log formats', () => {
  it('json: one object per line with level, time, module, msg and fields; levels still filter', () => {
    const lines: string[] = [];
    const log = createLogger('info', (l) => lines.push(l), 'node', 'json').child('p2p');
    log.debug('hidden');
    log.info('peer connected', { peer: '1.2.3.4:8333', height: 7, fee: 10n, msg: 'clash', gone: undefined });
    log.error('failed', { error: new Error('boom') });
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!);
    expect(first).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: 'info',
      module: 'p2p',
      msg: 'peer connected',
      peer: '1.2.3.4:8333',
      height: 7,
      fee: '10',
      field_msg: 'clash',
    });
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 'error', msg: 'failed', error: 'boom' });
  });

  it('json: a field with a cycle still gives a line', () => {
    const lines: string[] = [];
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    createLogger('info', (l) => lines.push(l), 'node', 'json').warn('odd', { cyclic });
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', msg: 'odd', fields: 'unserializable' });
  });

  it('text stays the default: time LEVEL module: message key=value', () => {
    const lines: string[] = [];
    createLogger('info', (l) => lines.push(l)).info('started', { port: 3002, note: 'a b' });
    expect(lines[0]).toMatch(/^\S+ INFO {2}node: started port=3002 note="a b"$/);
  });
});
