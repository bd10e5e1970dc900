/**
 * Headers known before their blocks (Core's block index entries without BLOCK_HAVE_DATA), for
 * headers-first sync. The chain's own index is the base: a lookup falls through to it, so the
 * tree starts as the node's chain and only holds headers whose blocks are not stored yet.
 *
 * Each header is checked before it is kept, as Core's AcceptBlockHeader does: proof of work
 * (CheckBlockHeader), then against its parent (ContextualCheckBlockHeader): the bits the
 * difficulty rule requires, a time above the parent's median time past and at most two hours
 * ahead, the version floor of BIP34/65/66. Blocks are only fetched along checked headers.
 */
import { nextWorkRequired } from '../consensus/difficulty.js';
import { NOT_CACHED_INVALID, RuleError } from '../consensus/errors.js';
import { checkHeaderContextFree, checkHeaderContextual } from '../consensus/header-check.js';
import { hashToDisplay } from '../protocol/hash.js';
import type { BlockHeader } from '../protocol/header.js';
import type { NetworkParams } from '../protocol/params.js';
import { workFromBits } from '../protocol/pow.js';
import { P2PError } from './errors.js';

/** A block index entry (chain/entry.ts) or a header-only node: what sync reads of either. */
export interface HeaderLike {
  readonly hash: Uint8Array;
  readonly hashHex: string;
  readonly header: BlockHeader;
  readonly height: number;
  readonly chainWork: bigint;
  readonly prev: HeaderLike | null;
  readonly failed: boolean;
  medianTimePast(): number;
}

export class HeaderNode implements HeaderLike {
  readonly hash: Uint8Array;
  readonly hashHex: string;
  readonly header: BlockHeader;
  readonly height: number;
  readonly chainWork: bigint;
  readonly prev: HeaderLike;
  failed = false;

  constructor(header: BlockHeader, prev: HeaderLike) {
    this.header = header;
    this.hash = header.hash();
    this.hashHex = hashToDisplay(this.hash);
    this.height = prev.height + 1;
    this.chainWork = prev.chainWork + workFromBits(header.bits);
    this.prev = prev;
  }

  medianTimePast(): number {
    const times: number[] = [];
    let e: HeaderLike | null = this;
    for (let i = 0; i < 11 && e; i++, e = e.prev) times.push(e.header.time);
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  }
}

/** The ancestor of `n` at `height`, or null. */
export function ancestor(n: HeaderLike, height: number): HeaderLike | null {
  let e: HeaderLike | null = n;
  while (e && e.height > height) e = e.prev;
  return e && e.height === height ? e : null;
}

export interface HeaderTreeDeps {
  /** The chain's index entry for a display hash. */
  lookup(hashHex: string): HeaderLike | undefined;
  tip(): HeaderLike;
  /** Seconds since the epoch. */
  now(): number;
}

/** Headers in the tree beyond which new branches are refused (memory bound, ~30 MB). */
const MAX_NODES = 200_000;

export class HeaderTree {
  private readonly params: NetworkParams;
  private readonly deps: HeaderTreeDeps;
  private readonly nodes = new Map<string, HeaderNode>();
  private bestNode: HeaderLike | null = null;

  constructor(params: NetworkParams, deps: HeaderTreeDeps) {
    this.params = params;
    this.deps = deps;
  }

  get size(): number {
    return this.nodes.size;
  }

  get(hashHex: string): HeaderLike | undefined {
    return this.nodes.get(hashHex) ?? this.deps.lookup(hashHex);
  }

  /** The most-work valid header known: ours, or the chain tip if that has more work. */
  best(): HeaderLike {
    const tip = this.deps.tip();
    const b = this.bestNode;
    return b && !b.failed && b.chainWork > tip.chainWork ? b : tip;
  }

  /**
   * Checks and adds a peer's headers (in order, each building on the one before).
   * Returns the last one, or null when the first does not connect to anything known.
   * Throws RuleError for a header breaking a rule, P2PError for a broken sequence.
   */
  accept(headers: readonly BlockHeader[]): HeaderLike | null {
    let last: HeaderLike | null = null;
    for (const [i, h] of headers.entries()) {
      const hex = h.hashHex();
      const known = this.get(hex);
      if (known) {
        if (known.failed) throw new RuleError('DUPLICATE_INVALID', hex);
        last = known;
        continue;
      }
      const prevHex = hashToDisplay(h.prevBlock);
      if (last && last.hashHex !== prevHex)
        throw new P2PError('UNCONNECTING_HEADERS', 'non-continuous headers sequence');
      const parent = last ?? this.get(prevHex);
      if (!parent) {
        if (i === 0) return null;
        throw new P2PError('UNCONNECTING_HEADERS', 'non-continuous headers sequence');
      }
      last = this.add(h, parent);
    }
    return last;
  }

  private add(h: BlockHeader, parent: HeaderLike): HeaderNode {
    if (parent.failed) throw new RuleError('BAD_PREVBLK', `parent ${parent.hashHex} is invalid`);
    if (this.nodes.size >= MAX_NODES) throw new P2PError('INV_FLOOD', 'header tree full');
    const node = new HeaderNode(h, parent);
    try {
      checkHeaderContextFree(h, this.params);
      checkHeaderContextual(
        h,
        {
          height: node.height,
          expectedBits: nextWorkRequired(this.params, {
            height: parent.height,
            bits: parent.header.bits,
            time: parent.header.time,
          }),
          medianTimePast: parent.medianTimePast(),
          now: this.deps.now(),
        },
        this.params,
      );
    } catch (e) {
      if (e instanceof RuleError && !NOT_CACHED_INVALID.has(e.code)) {
        node.failed = true;
        this.nodes.set(node.hashHex, node);
      }
      throw e;
    }
    this.nodes.set(node.hashHex, node);
    if (!this.bestNode || this.bestNode.failed || node.chainWork > this.bestNode.chainWork)
      this.bestNode = node;
    return node;
  }

  /** Marks a header (its block failed validation) and every known descendant invalid. */
  markFailed(hashHex: string): void {
    const bad = this.nodes.get(hashHex);
    if (bad) bad.failed = true;
    for (const n of this.nodes.values()) {
      if (n.failed) continue;
      for (let e: HeaderLike | null = n.prev; e; e = e.prev) {
        if (e.failed || e.hashHex === hashHex) {
          n.failed = true;
          break;
        }
        if (!this.nodes.has(e.hashHex)) break;
      }
    }
    this.recomputeBest();
  }

  /** Forgets headers whose blocks the chain now stores (lookups fall through to the chain). */
  prune(): void {
    for (const [hex, n] of this.nodes) {
      const e = this.deps.lookup(hex);
      if (e && !n.failed) this.nodes.delete(hex);
    }
    if (this.bestNode && this.nodes.size > 0 && !this.nodes.has(this.bestNode.hashHex)) this.recomputeBest();
  }

  private recomputeBest(): void {
    let best: HeaderLike | null = null;
    for (const n of this.nodes.values()) if (!n.failed && (!best || n.chainWork > best.chainWork)) best = n;
    this.bestNode = best;
  }
}
