/**
 * GET /api/anchors/:id against a regtest node: a GLA1 output in a mined block is found by its
 * commitment with its position and confirmations; a look-alike output is not; an id mined in
 * a block that a reorg removed is forgotten.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchorScript } from '../node/anchors/commitment.js';
import { toHex } from '../node/protocol/bytes.js';
import { sha256 } from '../node/protocol/hash.js';
import { blockHashFromDisplay } from '../node/protocol/ids.js';
import { nullData } from '../node/protocol/script/templates.js';
import { OutPoint, TxOut } from '../node/protocol/tx.js';
import { signedSpend, testKey } from './helpers/keys.js';
import { startTestNode, stopTestNodes, type TestNode } from './helpers/node.js';

const KEY = testKey('anchor route');
const ID = sha256(new TextEncoder().encode('manifest id of some file'));
const LOOKALIKE = sha256(new TextEncoder().encode('not an anchor'));

let t: TestNode;
let anchorTxid = '';
let anchorBlock = '';

const get = (path: string) => fetch(`${t.url}/api${path}`, { signal: AbortSignal.timeout(30_000) });

beforeAll(async () => {
  t = await startTestNode();
  const [first] = await t.node.generate(101, KEY.p2wpkh);
  const cb = (await t.node.chain.getBlock(blockHashFromDisplay(first!)))!.txs[0]!;
  const value = cb.outputs[0]!.value;
  const tx = signedSpend(
    [{ prevout: new OutPoint(cb.txid(), 0), value, key: KEY }],
    [new TxOut(value - 10_000n, KEY.p2wpkh), new TxOut(0n, anchorScript(ID))],
  );
  await t.node.submitTx(tx);
  [anchorBlock] = (await t.node.generate(1, KEY.p2wpkh)) as [string];
  anchorTxid = tx.txidHex();
  // "GLA2" tag: an OP_RETURN of the anchor's length that is no anchor (one per tx: policy).
  const tx2 = signedSpend(
    [{ prevout: new OutPoint(tx.txid(), 0), value: value - 10_000n, key: KEY }],
    [
      new TxOut(value - 20_000n, KEY.p2wpkh),
      new TxOut(0n, nullData(Uint8Array.of(0x47, 0x4c, 0x41, 0x32, ...LOOKALIKE))),
    ],
  );
  await t.node.submitTx(tx2);
  await t.node.generate(2, KEY.p2wpkh);
});

afterAll(stopTestNodes);

describe('GET /api/anchors/:id', () => {
  it('finds a mined anchor by its commitment', async () => {
    const res = await get(`/anchors/${toHex(ID)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=10');
    expect(await res.json()).toEqual({
      id: toHex(ID),
      txid: anchorTxid,
      vout: 1,
      tx_index: 1,
      block_hash: anchorBlock,
      height: 102,
      time: (await t.node.chain.getBlock(blockHashFromDisplay(anchorBlock)))!.header.time,
      confirmations: 3,
      // File sharing (docs/files.md): nobody connected provides it, this node does not hold it.
      providers: 0,
      held: false,
    });
    // Upper-case hex names the same id.
    expect((await get(`/anchors/${toHex(ID).toUpperCase()}`)).status).toBe(200);
  });

  it('ignores look-alike outputs and unknown ids', async () => {
    expect((await get(`/anchors/${toHex(LOOKALIKE)}`)).status).toBe(404);
    expect((await get(`/anchors/${'00'.repeat(32)}`)).status).toBe(404);
    const bad = await get('/anchors/xyz');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toHaveProperty('error');
  });

  it('forgets an anchor whose block a longer branch replaced', async () => {
    // A competing branch from block 101, one block longer than ours, without the anchor.
    const fork = await startTestNode();
    try {
      for (let h = 1; h <= 101; h++) {
        const hash = t.node.chain.entryAt(h)!.hashHex;
        await fork.node.submitBlock((await t.node.chain.getBlock(blockHashFromDisplay(hash)))!);
      }
      const hashes = await fork.node.generate(4, testKey('other miner').p2wpkh);
      for (const h of hashes)
        await t.node.submitBlock((await fork.node.chain.getBlock(blockHashFromDisplay(h)))!);
      expect(t.node.chain.tip.hashHex).toBe(hashes[3]);
      expect((await get(`/anchors/${toHex(ID)}`)).status).toBe(404);
    } finally {
      await fork.node.stop();
    }
  });
});
