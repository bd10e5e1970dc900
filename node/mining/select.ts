/**
 * Transaction selection for a block template: Bitcoin Core's BlockAssembler::addPackageTxs
 * (node/miner.cpp, the ancestor-feerate algorithm of 0.15 to 27.x, before cluster mempool).
 *
 * A package is a transaction plus its in-mempool ancestors not yet in the block. Candidates
 * are walked by ancestor score, Core's CompareTxMemPoolEntryByAncestorFee: the lower of the
 * transaction's own fee rate and its ancestor-package fee rate, ties broken by txid (internal
 * byte order, as uint256's operator<). Once a package is in the block, each of its
 * descendants still outside is re-scored without the included ancestors (Core's
 * mapModifiedTx, here a heap with lazy deletion); at every step the better of the next
 * unmodified and the best modified candidate is tried. A package is taken when it keeps the
 * block under the weight and sigop-cost limits (Core's TestPackage, strict `<`) and every
 * member is final and, before segwit, witness-free (TestPackageTransactions); its members go
 * in ancestors first (Core's SortForBlock, by ancestor count). Selection stops at the first
 * package below the minimum fee rate, or after 1,000 consecutive misses once the block is
 * within 4,000 weight units of full (MAX_CONSECUTIVE_FAILURES).
 *
 * Pure and synchronous: candidates in, ordered selection out.
 */
import { isFinalTx } from '../consensus/block-check.js';
import { compare } from '../protocol/bytes.js';
import type { Tx } from '../protocol/tx.js';

/** A mempool transaction offered to the template, with the figures the mempool already keeps. */
export interface TemplateCandidate {
  readonly tx: Tx;
  readonly fee: bigint;
  /** Sigop-adjusted virtual size (Core's GetTxSize): what fee rates divide by. */
  readonly vsize: number;
  readonly weight: number;
  readonly sigopCost: number;
  /** Display-hex txids of its parents in the mempool; others (confirmed) are ignored. */
  readonly parents: readonly string[];
}

export interface SelectionLimits {
  /** Block weight the selection must stay below, coinbase reserve included. */
  readonly maxWeight: number;
  /** Weight counted as used before any transaction (header and coinbase), Core's 4,000. */
  readonly reservedWeight: number;
  readonly maxSigopCost: number;
  /** Sigop cost counted for the coinbase, Core's 400. */
  readonly reservedSigopCost: number;
  /** Packages paying less than this (sat/kvB) end the selection (Core's -blockmintxfee). */
  readonly minFeeRate: bigint;
  /** Height of the block being built, for finality. */
  readonly height: number;
  /** Locktime cutoff time (median time past once BIP113 applies); null skips the check. */
  readonly lockTimeCutoff: number | null;
  /** Whether witness transactions may be included (segwit active at `height`). */
  readonly allowWitness: boolean;
}

export interface Selection {
  /** In block order: every transaction after its in-mempool ancestors. */
  readonly selected: readonly TemplateCandidate[];
  /**
   * Per selected transaction, the fee rate (sat/vB) of the package it went in with: what it
   * effectively pays once a child lifted it (mempool.space's effectiveFeePerVsize).
   */
  readonly packageRates: readonly number[];
  readonly fees: bigint;
  /** Weight and sigop cost of the selected transactions (reserves not included). */
  readonly weight: number;
  readonly sigopCost: number;
}

const MAX_CONSECUTIVE_FAILURES = 1000;
/** Core stops early once the block is this close to full. */
const NEARLY_FULL_MARGIN = 4000;

/** Fee, size, weight and sigops of a package (a transaction and ancestors still outside). */
interface Pkg {
  fee: bigint;
  vsize: number;
  weight: number;
  sigops: number;
}

interface Node {
  readonly c: TemplateCandidate;
  readonly txid: Uint8Array;
  readonly parents: number[];
  readonly children: number[];
  /** In-mempool ancestors, without itself. */
  ancestors: Set<number> | null;
  pkg: Pkg;
}

/** One heap item per modified-package update; stale ones are skipped on the way out. */
interface ModItem {
  readonly idx: number;
  readonly version: number;
  readonly pkg: Pkg;
}

export function selectTransactions(
  candidates: readonly TemplateCandidate[],
  lim: SelectionLimits,
): Selection {
  const nodes = buildGraph(candidates);
  const byScore = (a: number, b: number): number =>
    compareScore(nodes[a]!, nodes[a]!.pkg, nodes[b]!, nodes[b]!.pkg);
  const order = nodes.map((_, i) => i).sort(byScore);

  const inBlock = new Uint8Array(nodes.length);
  const failed = new Uint8Array(nodes.length);
  const modified = new Map<number, { pkg: Pkg; version: number }>();
  const heap = new Heap<ModItem>((x, y) => compareScore(nodes[x.idx]!, x.pkg, nodes[y.idx]!, y.pkg) < 0);
  const bestModified = (): ModItem | undefined => {
    for (let top = heap.peek(); top; top = heap.peek()) {
      if (modified.get(top.idx)?.version === top.version) return top;
      heap.pop();
    }
    return undefined;
  };

  const selected: TemplateCandidate[] = [];
  const packageRates: number[] = [];
  let blockWeight = lim.reservedWeight;
  let blockSigops = lim.reservedSigopCost;
  let fees = 0n;
  let consecutiveFailed = 0;
  let mi = 0;

  while (mi < order.length || bestModified()) {
    if (mi < order.length) {
      const i = order[mi]!;
      if (modified.has(i) || inBlock[i] || failed[i]) {
        mi++;
        continue;
      }
    }
    const best = bestModified();
    let idx: number;
    let pkg: Pkg;
    let usingModified = false;
    const next = mi < order.length ? order[mi]! : -1;
    if (best && (next < 0 || compareScore(nodes[best.idx]!, best.pkg, nodes[next]!, nodes[next]!.pkg) < 0)) {
      idx = best.idx;
      pkg = best.pkg;
      usingModified = true;
    } else {
      idx = next;
      pkg = nodes[next]!.pkg;
      mi++;
    }
    const dropModified = (): void => {
      if (!usingModified) return;
      modified.delete(idx);
      failed[idx] = 1;
    };

    // Everything left pays less: stop (Core returns from addPackageTxs here).
    if (pkg.fee * 1000n < lim.minFeeRate * BigInt(pkg.vsize)) break;

    if (blockWeight + pkg.weight >= lim.maxWeight || blockSigops + pkg.sigops >= lim.maxSigopCost) {
      dropModified();
      consecutiveFailed++;
      if (consecutiveFailed > MAX_CONSECUTIVE_FAILURES && blockWeight > lim.maxWeight - NEARLY_FULL_MARGIN) {
        break;
      }
      continue;
    }

    const members = [idx, ...ancestorsOf(nodes, idx)].filter((i) => !inBlock[i]);
    if (!members.every((i) => includable(nodes[i]!.c.tx, lim))) {
      dropModified();
      continue;
    }
    consecutiveFailed = 0;

    // SortForBlock: fewer ancestors first, which puts every parent before its children.
    members.sort((a, b) => ancestorsOf(nodes, a).size - ancestorsOf(nodes, b).size);
    for (const i of members) {
      const c = nodes[i]!.c;
      inBlock[i] = 1;
      modified.delete(i);
      selected.push(c);
      packageRates.push(Number(pkg.fee) / pkg.vsize);
      fees += c.fee;
      blockWeight += c.weight;
      blockSigops += c.sigopCost;
    }
    updateDescendants(nodes, members, inBlock, modified, heap);
  }

  return {
    selected,
    packageRates,
    fees,
    weight: blockWeight - lim.reservedWeight,
    sigopCost: blockSigops - lim.reservedSigopCost,
  };
}

function includable(tx: Tx, lim: SelectionLimits): boolean {
  if (!lim.allowWitness && tx.hasWitness()) return false;
  return lim.lockTimeCutoff === null || isFinalTx(tx, lim.height, lim.lockTimeCutoff);
}

function buildGraph(candidates: readonly TemplateCandidate[]): Node[] {
  const index = new Map<string, number>();
  const nodes: Node[] = candidates.map((c, i) => {
    const txid = c.tx.txidHex();
    if (index.has(txid)) throw new RangeError(`duplicate template candidate ${txid}`);
    index.set(txid, i);
    const pkg = { fee: c.fee, vsize: c.vsize, weight: c.weight, sigops: c.sigopCost };
    return { c, txid: c.tx.txid(), parents: [], children: [], ancestors: null, pkg };
  });
  nodes.forEach((n, i) => {
    for (const p of new Set(n.c.parents)) {
      const j = index.get(p);
      if (j === undefined) continue;
      n.parents.push(j);
      nodes[j]!.children.push(i);
    }
  });
  // Ancestor-package totals, each ancestor counted once (diamonds included).
  nodes.forEach((n, i) => {
    for (const a of ancestorsOf(nodes, i)) addTo(n.pkg, nodes[a]!.c, 1);
  });
  return nodes;
}

/** Memoized transitive parents; throws on a cycle, which a real mempool cannot hold. */
function ancestorsOf(nodes: Node[], idx: number, visiting = new Set<number>()): Set<number> {
  const n = nodes[idx]!;
  if (n.ancestors) return n.ancestors;
  if (visiting.has(idx)) throw new RangeError('template candidates form a dependency cycle');
  visiting.add(idx);
  const out = new Set<number>();
  for (const p of n.parents) {
    out.add(p);
    for (const a of ancestorsOf(nodes, p, visiting)) out.add(a);
  }
  visiting.delete(idx);
  n.ancestors = out;
  return out;
}

function addTo(pkg: Pkg, c: TemplateCandidate, sign: 1 | -1): void {
  pkg.fee += sign === 1 ? c.fee : -c.fee;
  pkg.vsize += sign * c.vsize;
  pkg.weight += sign * c.weight;
  pkg.sigops += sign * c.sigopCost;
}

/** Core's UpdatePackagesForAdded: descendants outside the block lose the added ancestors. */
function updateDescendants(
  nodes: Node[],
  added: readonly number[],
  inBlock: Uint8Array,
  modified: Map<number, { pkg: Pkg; version: number }>,
  heap: Heap<ModItem>,
): void {
  for (const a of added) {
    const seen = new Set<number>();
    const stack = [...nodes[a]!.children];
    while (stack.length > 0) {
      const d = stack.pop()!;
      if (seen.has(d)) continue;
      seen.add(d);
      stack.push(...nodes[d]!.children);
      if (inBlock[d]) continue;
      let m = modified.get(d);
      if (!m) {
        m = { pkg: { ...nodes[d]!.pkg }, version: 0 };
        modified.set(d, m);
      }
      addTo(m.pkg, nodes[a]!.c, -1);
      m.version++;
      heap.push({ idx: d, version: m.version, pkg: { ...m.pkg } });
    }
  }
}

/**
 * Core's CompareTxMemPoolEntryByAncestorFee: negative when `a` should be mined first. The
 * score is min(own fee rate, package fee rate), compared by cross-multiplication in doubles
 * as Core does; equal scores fall back to the smaller txid.
 */
function compareScore(a: Node, pa: Pkg, b: Node, pb: Pkg): number {
  const [af, as] = scoreOf(a.c, pa);
  const [bf, bs] = scoreOf(b.c, pb);
  const f1 = af * bs;
  const f2 = as * bf;
  if (f1 !== f2) return f1 > f2 ? -1 : 1;
  return compare(a.txid, b.txid);
}

function scoreOf(c: TemplateCandidate, pkg: Pkg): [fee: number, size: number] {
  const own = Number(c.fee) * pkg.vsize;
  const withAncestors = Number(pkg.fee) * c.vsize;
  return own > withAncestors ? [Number(pkg.fee), pkg.vsize] : [Number(c.fee), c.vsize];
}

/** Binary heap; `before(x, y)` is true when x comes out first. */
class Heap<T> {
  private readonly items: T[] = [];
  private readonly before: (x: T, y: T) => boolean;

  constructor(before: (x: T, y: T) => boolean) {
    this.before = before;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.before(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
