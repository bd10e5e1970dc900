/**
 * Headers in the chain's one block index (chain/block-index.ts, Core's AcceptBlockHeader):
 * header-only entries, blocks filling them in without their headers being checked again,
 * failures spreading to header-only descendants and surviving a restart, the skip-list
 * ancestor, and blocks stored as the bytes they were parsed from (never serialized again).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Chain } from '../node/chain/chain.js';
import { BlockEntry, findFork, STATUS } from '../node/chain/entry.js';
import { RuleError } from '../node/consensus/errors.js';
import { MEDIAN_TIME_SPAN, medianTimePast } from '../node/consensus/time.js';
import { Block } from '../node/protocol/block.js';
import { BlockHeader } from '../node/protocol/header.js';
import { regtest } from '../node/protocol/params.js';
import { Tx } from '../node/protocol/tx.js';
import { chainOf, makeBlock } from './helpers/blocks.js';

const GENESIS = regtest.genesis.header;
const dirs: string[] = [];
const open: Chain[] = [];

async function openChain(path: string, now: () => number): Promise<Chain> {
  const c = await Chain.open({ params: regtest, path }, { now });
  open.push(c);
  return c;
}
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'gl-chain-headers-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const c of open.splice(0)) await c.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RuleError) return e.code;
    throw e;
  }
  return 'accepted';
}

describe('headers in the block index', () => {
  it('keeps accepted headers as header-only entries that their blocks fill in, unchecked again', async () => {
    const last = GENESIS.time + 600 * 20;
    let now = last;
    const chain = await openChain(tempDir(), () => now);
    const blocks = chainOf(20, GENESIS.hash(), 1, GENESIS.time + 600);
    const tip = chain.acceptHeaders(blocks.map((b) => b.header));
    expect(tip?.height).toBe(20);
    expect(chain.bestHeader()).toBe(tip);
    expect(chain.height).toBe(0);
    expect(chain.headerOnlyCount).toBe(20);
    const e5 = chain.entry(blocks[4]!.hash())!;
    expect([e5.haveData, e5.status & STATUS.VALID_TREE]).toEqual([false, STATUS.VALID_TREE]);

    // The clock goes back: every header is now more than two hours ahead. The headers were
    // accepted, so their blocks are not refused as TIME_TOO_NEW (Core does not re-check either).
    now = GENESIS.time;
    // A block whose parent is only a header waits for it.
    expect((await chain.addBlock(blocks[1]!)).status).toBe('orphan');
    expect((await chain.addBlock(blocks[0]!)).status).toBe('connected');
    expect(chain.height).toBe(2); // the orphan followed its parent
    for (const b of blocks.slice(2)) expect((await chain.addBlock(b)).status).toBe('connected');
    expect(chain.tip).toBe(tip); // the same entry, now with its block
    expect(chain.entry(blocks[4]!.hash())).toBe(e5);
    expect(e5.status & (STATUS.HAVE_DATA | STATUS.VALID_SCRIPTS)).toBe(
      STATUS.HAVE_DATA | STATUS.VALID_SCRIPTS,
    );
    expect(chain.headerOnlyCount).toBe(0);

    // Without the header accepted first, the same clock refuses the next block's header.
    const next = makeBlock({ prev: tip!.hash, height: 21, time: last + 600 });
    expect(await codeOf(chain.addBlock(next))).toBe('TIME_TOO_NEW');
  });

  it('fails a block breaking a rule with its header-only descendants, and remembers it after a restart', async () => {
    const path = tempDir();
    const now = () => GENESIS.time + 600 * 100;
    let chain = await openChain(path, now);
    const good = chainOf(3, GENESIS.hash(), 1, GENESIS.time + 600);
    for (const b of good) await chain.addBlock(b);
    // Height 4 with a coinbase claiming height 5 (BIP34): its header is fine, its block is not.
    const bad = makeBlock({ prev: good[2]!.hash(), height: 5, time: GENESIS.time + 600 * 4 });
    const after = chainOf(5, bad.hash(), 5, GENESIS.time + 600 * 5);
    expect(chain.acceptHeaders([bad.header, ...after.map((b) => b.header)])?.height).toBe(9);
    expect(chain.bestHeader().height).toBe(9);

    const code = await codeOf(chain.addBlock(bad));
    expect(code).toBe('COINBASE_HEIGHT');
    for (const b of [bad, ...after]) expect(chain.entry(b.hash())?.failed).toBe(true);
    expect(chain.bestHeader()).toBe(chain.tip);
    expect(chain.height).toBe(3);
    expect(await codeOf(chain.addBlock(after[0]!))).toBe('DUPLICATE_INVALID');
    expect(await codeOf(Promise.resolve().then(() => chain.acceptHeaders([after[1]!.header])))).toBe(
      'DUPLICATE_INVALID',
    );

    await chain.close();
    chain = await openChain(path, now);
    // The failed block's entry was stored (its parent has data); its header-only descendants
    // were not (they are fetched again), so nothing on disk lacks a parent.
    expect(chain.entry(bad.hash())?.failed).toBe(true);
    expect(chain.entry(after[0]!.hash())).toBeUndefined();
    expect(await codeOf(chain.addBlock(bad))).toBe('DUPLICATE_INVALID');
    expect(chain.height).toBe(3);
  });

  it('does not fail a header whose block arrived mutated (Core: BLOCK_MUTATED is not cached invalid)', async () => {
    const chain = await openChain(tempDir(), () => GENESIS.time + 600 * 100);
    const blocks = chainOf(4, GENESIS.hash(), 1, GENESIS.time + 600);
    for (const b of blocks.slice(0, 3)) await chain.addBlock(b);
    const real = blocks[3]!;
    expect(chain.acceptHeaders([real.header])?.height).toBe(4);
    // A peer races the real block with one that has its header but other transactions: the
    // merkle root no longer matches. Its header may still be honest, so it is not marked failed.
    const other = makeBlock({ prev: blocks[2]!.hash(), height: 4, time: real.header.time, tag: 7 });
    const mutated = new Block(real.header, other.txs);
    expect(await codeOf(chain.addBlock(mutated))).toBe('BAD_MERKLE_ROOT');
    expect(chain.entry(real.hash())?.failed).toBe(false);
    expect(chain.bestHeader().hashHex).toBe(real.hashHex());
    // The honest copy still connects, and what builds on it is accepted.
    expect((await chain.addBlock(real)).status).toBe('connected');
    const next = makeBlock({ prev: real.hash(), height: 5, time: real.header.time + 600 });
    expect(chain.acceptHeaders([next.header])?.height).toBe(5);
  });

  it('indexes the headers before a bad one in a message, and refuses what builds on a bad one', async () => {
    const chain = await openChain(tempDir(), () => GENESIS.time + 600 * 100);
    const blocks = chainOf(6, GENESIS.hash(), 1, GENESIS.time + 600);
    const wrongBits = new BlockHeader({ ...blocks[3]!.header, bits: 0x207ffffe });
    expect(() => chain.acceptHeaders([...blocks.slice(0, 3).map((b) => b.header), wrongBits])).toThrow(
      RuleError,
    );
    expect(chain.bestHeader().height).toBe(3);
    expect(chain.entry(wrongBits.hash())?.failed).toBe(true);
    // Nothing of it reached the disk: the chain's own tip is untouched.
    expect(chain.height).toBe(0);
  });
});

describe('block index entries', () => {
  it('finds any ancestor through the skip pointers, as walking back one by one does', () => {
    const entries: BlockEntry[] = [];
    let prev: BlockEntry | null = null;
    for (let h = 0; h < 3000; h++) {
      const header: BlockHeader = new BlockHeader({
        version: 4,
        prevBlock: prev?.hash ?? new Uint8Array(32),
        merkleRoot: new Uint8Array(32),
        time: 1_600_000_000 + ((h * 7919) % 5000),
        bits: 0x207fffff,
        nonce: h,
      });
      prev = new BlockEntry(header, h, BigInt(h), STATUS.VALID_TREE, prev);
      entries.push(prev);
    }
    const walk = (e: BlockEntry, h: number) => {
      let x: BlockEntry | null = e;
      while (x && x.height > h) x = x.prev;
      return x;
    };
    for (const from of [1, 2, 17, 1024, 1999, 2999]) {
      for (let h = 0; h <= from; h += from > 100 ? 37 : 1)
        expect(entries[from]!.ancestor(h)).toBe(walk(entries[from]!, h));
      expect(entries[from]!.ancestor(from + 1)).toBeNull();
      expect(entries[from]!.ancestor(-1)).toBeNull();
    }
    expect(findFork(entries[2999]!, entries[123]!)).toBe(entries[123]);
    // Median time past is consensus/time.ts over the entry and its ten ancestors.
    const times = Array.from({ length: MEDIAN_TIME_SPAN }, (_, i) => entries[500 - i]!.header.time);
    expect(entries[500]!.medianTimePast()).toBe(medianTimePast(times));
    expect(entries[0]!.medianTimePast()).toBe(entries[0]!.header.time);
  });
});

describe('raw bytes travel', () => {
  it('stores a parsed block as the bytes it came in, serializing nothing', async () => {
    const chain = await openChain(tempDir(), () => GENESIS.time + 600 * 100);
    const made = chainOf(3, GENESIS.hash(), 1, GENESIS.time + 600);
    const wire = made.map((b) => b.toBytes());
    const blockWrite = vi.spyOn(Block.prototype, 'write');
    const txWrite = vi.spyOn(Tx.prototype, 'write');
    const headerWrite = vi.spyOn(BlockHeader.prototype, 'write');
    try {
      for (const bytes of wire) {
        const block = Block.fromBytes(bytes);
        expect(block.raw).not.toBeNull();
        expect((await chain.addBlock(block)).status).toBe('connected');
      }
      expect(blockWrite).not.toHaveBeenCalled();
      expect(txWrite).not.toHaveBeenCalled();
    } finally {
      blockWrite.mockRestore();
      txWrite.mockRestore();
      headerWrite.mockRestore();
    }
    const stored = await chain.getRawBlock(made[1]!.hash());
    expect(stored).toEqual(wire[1]);
    // toBytes hands out a copy: flipping it does not touch what the block keeps.
    const again = Block.fromBytes(wire[2]!);
    const copy = again.toBytes();
    copy[100] = copy[100]! ^ 1;
    expect(again.raw).toEqual(wire[2]);
  });
});
