/** Issue 13: the mempool's bounded memory of recent replacements (node/mempool/replacements.ts). */
import { describe, expect, it } from 'vitest';
import { ReplacementLog } from '../node/mempool/replacements.js';

const id = (n: number) => n.toString(16).padStart(64, '0');

describe('ReplacementLog', () => {
  it('remembers the last N replacements, forgetting the oldest first', () => {
    const log = new ReplacementLog(3);
    for (let i = 1; i <= 5; i++) log.record(id(i), id(100 + i), 1000 + i);
    expect(log.size).toBe(3);
    expect(log.get(id(1))).toBeUndefined();
    expect(log.get(id(2))).toBeUndefined();
    expect(log.get(id(5))).toEqual({ txid: id(5), replacedBy: id(105), time: 1005 });
    // Recording again refreshes: id(3) is now the newest, so id(4) goes next.
    log.record(id(3), id(200), 2000);
    log.record(id(6), id(106), 2001);
    expect(log.get(id(4))).toBeUndefined();
    expect(log.get(id(3))?.replacedBy).toBe(id(200));
  });

  it('follows a chain of replacements to the newest, and forgets a tx that came back', () => {
    const log = new ReplacementLog();
    log.record(id(1), id(2), 1);
    log.record(id(2), id(3), 2);
    expect(log.latest(id(1))).toBe(id(3));
    expect(log.latest(id(2))).toBe(id(3));
    expect(log.latest(id(3))).toBeUndefined();
    log.forget(id(2));
    expect(log.latest(id(1))).toBe(id(2));
    expect(() => new ReplacementLog(-1)).toThrow(RangeError);
  });
});
