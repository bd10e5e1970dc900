/**
 * Partition: the Americas (north and south, about a third of the nodes) are cut off from the
 * rest of the world for the middle third of the run; each side mines at its own share of the
 * hash rate and pays with its own coins; then the cut heals. As in the loopback partition test
 * (test/p2p-partition.test.ts), one operator connection across the old cut (`addnode onetry`)
 * joins the sides: the node has no feeler connections or stale-tip extra outbound (Core's
 * CheckForStaleTipAndEvictPeers), so after a heal every outbound slot is still filled within
 * its side, and nothing else would reconnect them. Whether they found each other before that
 * connection is reported. Checked: every node ends on the chain with most work, and every
 * transaction the losing side had mined and the winner had not is back in the losing side's
 * mempools (or mined since).
 */
import { txidFromDisplay } from '../../node/protocol/ids.js';
import { blockLoad, txLoad } from '../load.js';
import { SIM_EPOCH_MS, type SimNetwork } from '../network.js';
import { COOLDOWN_MS } from './steady.js';
import { type Scenario, WARMUP_MS } from './types.js';

const AMERICAS = new Set(['north-america', 'south-america']);

export const partition: Scenario = {
  name: 'partition',
  summary: 'the Americas cut off for the middle third of the run, both sides mining, then healed',
  defaults: { nodes: 50, hours: 1.5, txRate: 1 },
  async run(p, make) {
    const sim = await make(p.nodes, '');
    const sideByHost = new Map(sim.nodes.map((n) => [n.host, AMERICAS.has(n.region) ? 0 : 1]));
    const side = (host: string) => sideByHost.get(host) ?? 1;
    const sideOf = (i: number) => side(sim.nodes[i]!.host);
    const from = SIM_EPOCH_MS + WARMUP_MS;
    const third = (p.hours * 3_600_000) / 3;
    const split = from + third;
    const heal = split + third;
    const until = heal + third;
    const hash = [0, 0];
    for (const n of sim.nodes) hash[sideOf(n.index)]! += n.hashShare;

    blockLoad(sim, { from, until: split });
    // Payments stop a minute before the cut, so no coin's parent is stuck on the other side.
    txLoad(sim, { from, until: split - 60_000, perSecond: p.txRate });
    const sides: number[][] = [[], []];
    for (const n of sim.nodes) sides[sideOf(n.index)]!.push(n.index);
    const pickOn = (s: number) => () => {
      const on = sides[s]!.filter((i) => sim.nodes[i]!.node && sim.nodes[i]!.hashShare > 0);
      const total = on.reduce((a, i) => a + sim.nodes[i]!.hashShare, 0);
      let x = sim.random.float() * total;
      for (const i of on) {
        x -= sim.nodes[i]!.hashShare;
        if (x < 0) return i;
      }
      return on.at(-1) ?? null;
    };
    const losingBlocks: string[] = [];
    sim.at(split, () => {
      sim.net.setReachable((a, b) => side(a) === side(b));
      sim.wallet.splitLanes(2);
    });
    for (const s of [0, 1]) {
      if (hash[s]! > 0)
        blockLoad(sim, { from: split, until: heal, meanMs: 60_000 / hash[s]!, miner: pickOn(s) });
      const nodes = sides[s]!;
      txLoad(sim, {
        from: split,
        until: heal - 60_000,
        perSecond: (p.txRate * nodes.length) / p.nodes,
        origin: () => ({ node: nodes[Math.floor(sim.random.float() * nodes.length)] ?? null, lane: 1 + s }),
      });
    }
    let tipsAtHeal: { height: number; side: number }[] = [];
    let naturallyJoined = false;
    // Which nodes take each split-time tx back into their mempool after the heal (the reorg's re-add).
    const readded = new Map<string, Set<number>>();
    sim.at(heal, () => {
      tipsAtHeal = [0, 1].map((s) => ({ side: s, height: maxHeight(sim, sides[s]!) }));
      const splitTxids = new Set(
        [...sim.mined.values()]
          .filter((b) => b.header.time * 1000 >= split)
          .flatMap((b) => b.txs.slice(1).map((t) => t.txidHex())),
      );
      for (const n of sim.online())
        n.node!.mempool.on('added', (e) => {
          if (!splitTxids.has(e.txid)) return;
          const set = readded.get(e.txid) ?? new Set<number>();
          set.add(n.index);
          readded.set(e.txid, set);
        });
      sim.net.setReachable(null);
    });
    // Ten minutes to find each other unaided; then one operator connection across.
    sim.at(heal + 10 * 60_000, () => {
      naturallyJoined = sameTip(sim);
      if (naturallyJoined) return;
      const a = sides[0]!.find((i) => sim.nodes[i]!.node);
      const b = sides[1]!.find((i) => sim.nodes[i]!.node);
      if (a !== undefined && b !== undefined)
        sim.nodes[a]!.node!.network!.addNode(`${sim.nodes[b]!.host}:18444`, 'onetry');
    });
    sim.at(heal + 11 * 60_000, () => sim.wallet.mergeLanes());
    blockLoad(sim, { from: heal, until });
    txLoad(sim, { from: heal + 11 * 60_000, until, perSecond: p.txRate });
    await sim.runUntil(until + COOLDOWN_MS);
    sim.recorder.sweep(sim.now, true);

    // Who won: the side whose branch the final chain contains.
    const ref = sim.online()[0]!.node!;
    const onMain = (hash: string) => {
      const b = sim.mined.get(hash);
      if (!b) return false;
      for (let h = ref.chain.height; h > 0; h--) if (ref.chain.entryAt(h)!.hashHex === hash) return true;
      return false;
    };
    const splitBlocks = sim.recorder.blocks.filter(
      (b) => b.t + SIM_EPOCH_MS >= split && b.t + SIM_EPOCH_MS < heal,
    );
    const minedBy = (s: number) => splitBlocks.filter((b) => sideOf(b.origin) === s);
    const winner = [0, 1].find((s) => minedBy(s).some((b) => onMain(b.id))) ?? -1;
    const loser = 1 - winner;
    for (const b of minedBy(loser)) if (!onMain(b.id)) losingBlocks.push(b.id);
    const mainTxids = new Set<string>();
    for (let h = 1; h <= ref.chain.height; h++) {
      const blk = sim.mined.get(ref.chain.entryAt(h)!.hashHex);
      if (blk) for (const t of blk.txs) mainTxids.add(t.txidHex());
    }
    const losingTxs = losingBlocks.flatMap((id) =>
      sim.mined
        .get(id)!
        .txs.slice(1)
        .map((t) => t.txidHex()),
    );
    // Txs sent just before the cut reached both sides; those the winner mined during the split
    // were already confirmed on the winning branch when the losing side reorged, and stay mined.
    const winnerSplitTxids = new Set(
      minedBy(winner)
        .filter((b) => onMain(b.id))
        .flatMap((b) => sim.mined.get(b.id)!.txs.map((t) => t.txidHex())),
    );
    const onlyLoser = losingTxs.filter((t) => !winnerSplitTxids.has(t));
    const loserNodes = sides[loser]?.filter((i) => sim.nodes[i]!.node) ?? [];
    let inMempools = 0;
    let minedSince = 0;
    let missing = 0;
    for (const txid of losingTxs) {
      if (mainTxids.has(txid)) minedSince++;
      else if (loserNodes.every((i) => sim.nodes[i]!.node!.mempool.has(txidFromDisplay(txid)))) inMempools++;
      else missing++;
    }
    const findings = {
      sides: sides.map((s) => s.length),
      hashShare: hash.map((h) => Math.round(h * 1000) / 1000),
      tipsAtHeal,
      winner: winner === 0 ? 'americas' : winner === 1 ? 'rest' : 'none',
      naturallyJoined,
      converged: sameTip(sim),
      losingBlocks: losingBlocks.length,
      losingTxs: losingTxs.length,
      losingTxsBackInMempools: inMempools,
      losingTxsMinedSince: minedSince,
      losingTxsMissing: missing,
      losingTxsOnlyLosingSide: onlyLoser.length,
      losingTxsReAdded: onlyLoser.filter((t) => [...(readded.get(t) ?? [])].some((i) => sideOf(i) === loser))
        .length,
    };
    return {
      sim,
      from,
      until,
      findings,
      notes: [
        `Sides: ${findings.sides[0]} nodes in the Americas (hash ${findings.hashShare[0]}), ${findings.sides[1]} elsewhere (hash ${findings.hashShare[1]}).`,
        `Winner: ${findings.winner}; all nodes on one tip at the end: ${findings.converged}.`,
        naturallyJoined
          ? 'The sides found each other again within 10 min of the heal, unaided (free outbound slots dialled across).'
          : 'The sides did not find each other within 10 min of the heal (every outbound slot was filled within its side; the node has no feeler or stale-tip connections); one addnode onetry joined them.',
        `Losing side: ${losingBlocks.length} blocks, ${losingTxs.length} txs (${onlyLoser.length} not also mined by the winner during the split); ${findings.losingTxsReAdded} of those went back into losing-side mempools on the reorg; at the end ${inMempools} are in every losing-side mempool, ${minedSince} mined on the winning chain, ${missing} missing.`,
      ],
    };
  },
};

function maxHeight(sim: SimNetwork, idx: number[]): number {
  return Math.max(0, ...idx.map((i) => sim.nodes[i]!.node?.chain.height ?? 0));
}

export function sameTip(sim: SimNetwork): boolean {
  const tips = new Set(sim.online().map((n) => n.node!.chain.tip.hashHex));
  return tips.size === 1;
}
