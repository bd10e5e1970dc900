/**
 * BIP339 wtxid relay against a regtest node, from scripted peers on 127.0.0.x: the node sends
 * `wtxidrelay` between version and verack to peers of version 70016 only; with peers that
 * negotiated it, transactions are announced (MSG_WTX) and requested by wtxid, with others by
 * txid as before. A segwit transaction whose witness a relaying peer changed (the signature's
 * high-S twin: same txid, another wtxid, non-standard) is refused without the original being
 * confused with it: the original, announced next by its wtxid, is requested and accepted.
 * `wtxidrelay` after verack ends the connection (Core).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INV, type Message } from '../node/p2p/messages.js';
import { hashFromDisplay, hashToDisplay } from '../node/protocol/hash.js';
import { wtxidFromDisplay } from '../node/protocol/ids.js';
import { OutPoint, type Tx } from '../node/protocol/tx.js';
import { payTo, signedSpend, testKey } from './helpers/keys.js';
import { type NetNode, startNetNode, stopNetNodes, waitFor } from './helpers/p2p.js';
import { RawPeer } from './helpers/p2p-raw.js';

const MINER = testKey('wtxid relay miner');
const ALICE = testKey('wtxid relay alice');
const SUBSIDY = 5_000_000_000n;

let t: NetNode;
const peers: RawPeer[] = [];

async function peer(ip: string, version = 70016, wtxid = true): Promise<RawPeer> {
  const p = await RawPeer.connect(t.node.p2p!.listenPort, ip);
  peers.push(p);
  p.send({
    command: 'version',
    version,
    services: 9n,
    timestamp: BigInt(Math.floor(Date.now() / 1000)),
    addrRecv: { host: '127.0.0.1', port: 0, services: 0n },
    addrFrom: { host: '::', port: 0, services: 9n },
    nonce: BigInt(peers.length) * 7919n,
    userAgent: '/wtxid-test/',
    startHeight: 0,
    relay: true,
  });
  await p.waitFor('version');
  if (wtxid) p.send({ command: 'wtxidrelay' });
  p.send({ command: 'verack' });
  await p.waitFor('verack');
  return p;
}

/** Sends a ping and waits for its pong: everything sent before it has been handled. */
async function settled(p: RawPeer, nonce: bigint): Promise<void> {
  p.send({ command: 'ping', nonce });
  const seen = () => p.received.some((m) => m.command === 'pong' && m.nonce === nonce);
  await waitFor('the pong', () => seen() || p.isClosed, 20_000);
}

const invOf = (m: Message, type: number, hash: string) =>
  (m.command === 'inv' || m.command === 'getdata') &&
  m.items.some((i) => i.type === type && hashToDisplay(i.hash) === hash);

let original: Tx;
let malleated: Tx;

beforeAll(async () => {
  t = await startNetNode();
  await t.node.generate(101, MINER.p2wpkh);
  const cb = (await t.node.chain.getBlock(t.node.chain.entryAt(1)!.hash))!.txs[0]!;
  const spend = (highS: boolean) =>
    signedSpend(
      [{ prevout: new OutPoint(cb.txid(), 0), value: SUBSIDY, key: MINER, highS }],
      [payTo(ALICE, SUBSIDY - 10_000n)],
    );
  original = spend(false);
  malleated = spend(true);
}, 120_000);

afterAll(async () => {
  for (const p of peers) p.close();
  await stopNetNodes();
});

describe('BIP339 wtxid relay', () => {
  it('the two transactions share a txid and differ in wtxid', () => {
    expect(malleated.txidHex()).toBe(original.txidHex());
    expect(malleated.wtxidHex()).not.toBe(original.wtxidHex());
  });

  it('sends wtxidrelay before verack to a 70016 peer, and not to a 70015 one', async () => {
    const modern = await peer('127.0.0.2');
    const cmds = modern.received.map((m) => m.command);
    expect(cmds.indexOf('wtxidrelay')).toBeGreaterThan(cmds.indexOf('version'));
    expect(cmds.indexOf('wtxidrelay')).toBeLessThan(cmds.indexOf('verack'));
    const old = await peer('127.0.0.3', 70015, false);
    expect(old.received.map((m) => m.command)).not.toContain('wtxidrelay');
  });

  it('refuses the malleated copy, then requests and accepts the original by its wtxid', async () => {
    const mallory = await peer('127.0.0.4');
    const honest = await peer('127.0.0.5');
    const w2 = malleated.wtxidHex();
    const w1 = original.wtxidHex();
    mallory.send({ command: 'inv', items: [{ type: INV.WTX, hash: hashFromDisplay(w2) }] });
    await mallory.waitFor('getdata', 10_000, (m) => invOf(m, INV.WTX, w2));
    mallory.send({ command: 'tx', tx: malleated });
    await settled(mallory, 11n);
    expect(t.node.mempool.has(original.txid())).toBe(false);
    // The honest peer's announcement by wtxid is not mistaken for the refused copy.
    honest.send({ command: 'inv', items: [{ type: INV.WTX, hash: hashFromDisplay(w1) }] });
    await honest.waitFor('getdata', 10_000, (m) => invOf(m, INV.WTX, w1));
    honest.send({ command: 'tx', tx: original });
    await waitFor(
      'the original in the mempool',
      () => t.node.mempool.getByWtxid(wtxidFromDisplay(w1)) !== undefined,
    );
    // And the malleated copy, announced again, does not replace it.
    expect(t.node.mempool.getByWtxid(wtxidFromDisplay(w2))).toBeUndefined();
  });

  it('announces by wtxid to BIP339 peers and by txid to the others', async () => {
    const w1 = original.wtxidHex();
    const modern = peers[0]!;
    const old = peers[1]!;
    await modern.waitFor('inv', 10_000, (m) => invOf(m, INV.WTX, w1));
    await old.waitFor('inv', 10_000, (m) => invOf(m, INV.TX, original.txidHex()));
    expect(modern.received.some((m) => invOf(m, INV.TX, original.txidHex()))).toBe(false);
    // getdata by wtxid gets the witness serialization.
    modern.send({ command: 'getdata', items: [{ type: INV.WTX, hash: hashFromDisplay(w1) }] });
    const tx = await modern.waitFor('tx', 10_000, (m) => m.tx.wtxidHex() === w1);
    expect(tx.tx.hasWitness()).toBe(true);
  });

  it('ignores MSG_TX announcements from a BIP339 peer and MSG_WTX from a legacy one (Core)', async () => {
    const modern = peers[0]!;
    const old = peers[1]!;
    const unknown = 'ab'.repeat(32);
    modern.send({ command: 'inv', items: [{ type: INV.TX, hash: hashFromDisplay(unknown) }] });
    old.send({ command: 'inv', items: [{ type: INV.WTX, hash: hashFromDisplay(unknown) }] });
    await settled(modern, 21n);
    await settled(old, 22n);
    for (const p of [modern, old])
      expect(p.received.some((m) => m.command === 'getdata' && invOf(m, m.items[0]!.type, unknown))).toBe(
        false,
      );
  });

  it("disconnects a peer sending wtxidrelay after verack (Core: 'wtxidrelay received after verack')", async () => {
    const late = await peer('127.0.0.6', 70016, false);
    late.send({ command: 'wtxidrelay' });
    expect(await late.waitClosed(10_000)).toBe(true);
  });
});
