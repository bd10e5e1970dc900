/**
 * Block and transaction relay (issue 18: BIP152, BIP339, BIP133), on three regtest nodes in
 * one process over the in-memory transport (a full mesh, 5 ms links of 100 Mbit/s):
 *
 * - Block bytes on the wire per node: node 1 mines a block of `RELAY_BENCH_TXS` (default
 *   1,000) typical transactions (P2WPKH, one input, two outputs) that every mempool holds; for
 *   each receiving node, the bytes of that block's relay on the link it came by (headers or
 *   cmpctblock in, getdata/getblocktxn out, blocktxn in), against what the same block costs whole
 *   (headers, getdata, block: the relay before compact blocks). The goal is <= 5%.
 * - Transaction announcement bytes per transaction per node (inv and getdata, both ways) while
 *   those transactions spread, with wtxid relay and fee filters on, and the transaction bodies'
 *   bytes for scale.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FullNode } from '../node/node.js';
import { MemoryNetwork } from '../node/p2p/transport/memory.js';
import { blockHashFromDisplay } from '../node/protocol/ids.js';
import { p2wpkhFor, publicKey } from '../node/protocol/sign.js';
import { OutPoint, type Tx, TxOut } from '../node/protocol/tx.js';
import { signedSpend } from './connect-data.js';
import { emit, until } from './lib.js';
import { startRegtestNode } from './regtest-node.js';

const TXS = Number(process.env.RELAY_BENCH_TXS ?? 1000);
const KEY = new Uint8Array(32).fill(12);
const SPK = p2wpkhFor(publicKey(KEY));
const OTHER = p2wpkhFor(publicKey(new Uint8Array(32).fill(13)));
const BLOCK_CMDS = ['headers', 'inv', 'cmpctblock', 'blocktxn', 'block'];
const REQUEST_CMDS = ['getdata', 'getblocktxn'];

type Totals = { sent: Record<string, number>; received: Record<string, number> };
const totals = (n: FullNode): Totals => {
  const t = n.p2p!.totals();
  return { sent: { ...t.bytesSentPerMsg }, received: { ...t.bytesReceivedPerMsg } };
};
const delta = (a: Totals, b: Totals, dir: 'sent' | 'received', cmds: string[]) =>
  cmds.reduce((s, c) => s + (b[dir][c] ?? 0) - (a[dir][c] ?? 0), 0);

export async function run(): Promise<void> {
  const net = new MemoryNetwork({ link: { latencyMs: 5, bandwidth: 12_500_000, burstBytes: 256_000 } });
  const hosts = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
  const dirs = hosts.map(() => mkdtempSync(join(tmpdir(), 'gl-bench-relay-')));
  const nodes: FullNode[] = [];
  try {
    for (const [i, h] of hosts.entries())
      nodes.push(
        await startRegtestNode(dirs[i]!, {
          p2pHost: h,
          p2pPort: 18444,
          p2pTransport: net.transport(h),
          relayDelayMs: 100,
          maxOutbound: 0,
          mineWorkers: 1,
        }),
      );
    for (let i = 0; i < 3; i++)
      for (let j = i + 1; j < 3; j++) nodes[i]!.p2p!.conns.addNode(`${hosts[j]}:18444`, 'add');
    await until(() => nodes.every((n) => n.peerInfo().length === 2), 30_000, 'the mesh');
    const [miner] = nodes as [FullNode];
    await miner.generate(101, SPK);
    const cb = (await miner.chain.getBlock(miner.chain.entryAt(1)!.hash))!.txs[0]!;
    const each = (cb.outputs[0]!.value - 100_000n) / BigInt(TXS);
    const outs = Array.from({ length: TXS }, () => new TxOut(each, SPK));
    const fanout = signedSpend([{ op: new OutPoint(cb.txid(), 0), value: cb.outputs[0]!.value }], outs, KEY);
    await miner.submitTx(fanout, { orphan: false });
    const [h0] = await miner.generate(1, SPK);
    await until(() => nodes.every((n) => n.chain.tip.hashHex === h0), 60_000, 'the fan-out block');

    const txs: Tx[] = [];
    for (let i = 0; i < TXS; i++)
      txs.push(
        signedSpend(
          [{ op: new OutPoint(fanout.txid(), i), value: each }],
          [new TxOut(each / 2n, OTHER), new TxOut(each / 2n - 2_000n, SPK)],
          KEY,
        ),
      );
    const before = nodes.map(totals);
    for (const tx of txs) await miner.submitTx(tx, { orphan: false });
    await until(() => nodes.every((n) => n.mempool.size === TXS), 300_000, 'every mempool to hold the txs');
    await new Promise((r) => setTimeout(r, 500));
    const synced = nodes.map(totals);
    const txBytes = txs.reduce((s, t) => s + t.size(), 0);
    const announce = nodes.reduce(
      (s, _n, i) =>
        s +
        delta(before[i]!, synced[i]!, 'sent', ['inv', 'getdata']) +
        delta(before[i]!, synced[i]!, 'received', ['inv', 'getdata']),
      0,
    );
    emit('relay-tx-announcements', {
      nodes: 3,
      txs: TXS,
      wtxidRelay: true,
      feeFilter: true,
      // Each node's share: bytes it sent plus bytes it received, halved (each byte counts at both ends).
      announcementBytesPerTxPerNode: Number((announce / 2 / nodes.length / TXS).toFixed(1)),
      txBodyBytesPerTx: Math.round(txBytes / TXS),
    });

    const [hash] = await miner.generate(1, SPK);
    await until(() => nodes.every((n) => n.chain.tip.hashHex === hash), 60_000, 'the block everywhere');
    await new Promise((r) => setTimeout(r, 300));
    const after = nodes.map(totals);
    const block = (await miner.chain.getBlock(blockHashFromDisplay(hash!)))!;
    // The same block whole: a headers announcement, a getdata, the block message.
    const full = 24 + 1 + 81 + (24 + 1 + 36) + (24 + block.size());
    for (const i of [1, 2]) {
      const got = delta(synced[i]!, after[i]!, 'received', BLOCK_CMDS);
      const asked = delta(synced[i]!, after[i]!, 'sent', REQUEST_CMDS);
      const s = nodes[i]!.p2p!.compactStats();
      emit('relay-block-bytes', {
        node: i + 1,
        blockTxs: block.txs.length,
        blockBytes: block.size(),
        // Every link into the node, as the node saw it (HB pushes from both peers included).
        compactBytesIn: got + asked,
        fullRelayBytes: full,
        compactOverFull: Number(((got + asked) / full).toFixed(4)),
        reconstructed: s.reconstructed,
        neededGetblocktxn: s.neededGetblocktxn,
        fullBlocksReceived: s.blocks.full,
      });
    }
  } finally {
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
