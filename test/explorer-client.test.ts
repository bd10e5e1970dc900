/**
 * mempool.space's own JS client, @mempool/mempool.js (unchanged), pointed at a regtest node's
 * explorer (issue 5): it reads the tip height, a block, a tx, an address, its txs and UTXOs,
 * block and tx statuses, the mempool, and broadcasts a tx, getting the node's values.
 */
import mempoolJS from '@mempool/mempool.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../node/protocol/bytes.js';
import { TxOut } from '../node/protocol/tx.js';
import { addr, BOB, CAROL, type ExplorerFixture, explorerFixture, FEE1 } from './helpers/explorer.js';
import { outpointOf, signedSpend } from './helpers/keys.js';
import { stopTestNodes } from './helpers/node.js';

let f: ExplorerFixture;
let client: ReturnType<typeof mempoolJS>['bitcoin'];
beforeAll(async () => {
  f = await explorerFixture();
  const url = new URL(f.t.url);
  client = mempoolJS({
    hostname: url.host,
    protocol: 'http',
    network: 'regtest',
    config: { timeout: 30_000 },
  }).bitcoin;
});
afterAll(stopTestNodes);

describe('@mempool/mempool.js against the node', () => {
  it('reads the tip, a block and its status', async () => {
    expect(await client.blocks.getBlocksTipHeight()).toBe(103);
    expect(await client.blocks.getBlocksTipHash()).toBe(f.block103.hashHex());
    const block = await client.blocks.getBlock({ hash: f.block102.hashHex() });
    expect(block).toMatchObject({
      id: f.block102.hashHex(),
      height: 102,
      tx_count: 2,
      size: f.block102.size(),
    });
    expect(await client.blocks.getBlockStatus({ hash: f.block102.hashHex() })).toMatchObject({
      in_best_chain: true,
      height: 102,
    });
    expect(await client.blocks.getBlockTxids({ hash: f.block102.hashHex() })).toEqual(
      f.block102.txs.map((t) => t.txidHex()),
    );
    expect(await client.blocks.getBlockHeight({ height: 102 })).toBe(f.block102.hashHex());
    expect((await client.blocks.getBlocks({ start_height: 102 })).map((b) => b.height)).toEqual([
      102, 101, 100, 99, 98, 97, 96, 95, 94, 93,
    ]);
  });

  it('reads the rest of its block, tx and address calls (header, raw, one txid, txs, one outspend, merkleblock proof, mempool txs)', async () => {
    const hash = f.block102.hashHex();
    const header = await client.blocks.getBlockHeader({ hash });
    expect(header).toBe(toHex(f.block102.header.toBytes()));
    // Raw bytes reach this client as text (it asks for JSON): only that they come is checked.
    expect(String(await client.blocks.getBlockRaw({ hash })).length).toBeGreaterThan(80);
    expect(String(await client.transactions.getTxRaw({ txid: f.tx1.txidHex() })).length).toBeGreaterThan(10);
    expect(await client.blocks.getBlockTxid({ hash, index: 1 })).toBe(f.tx1.txidHex());
    // Typed as one Tx by the library (and without start_index it asks for /txs/undefined, a 400).
    const blockTxs = (await client.blocks.getBlockTxs({ hash, start_index: 0 })) as unknown as {
      txid: string;
    }[];
    expect(blockTxs.map((t) => t.txid)).toEqual(f.block102.txs.map((t) => t.txidHex()));
    expect(await client.transactions.getTxOutspend({ txid: f.tx1.txidHex(), vout: 2 })).toMatchObject({
      spent: true,
      txid: f.tx2.txidHex(),
      vin: 0,
    });
    expect(await client.transactions.getTxMerkleBlockProof({ txid: f.tx1.txidHex() })).toMatch(
      /^[0-9a-f]{160,}$/,
    );
    // Typed as one Tx by the library; the route answers Esplora's array.
    const carol = (await client.addresses.getAddressTxsMempool({
      address: addr(CAROL.p2wpkh),
    })) as unknown as { txid: string }[];
    expect(carol.map((t) => t.txid)).toEqual([f.tx3.txidHex()]);
  });

  it('reads a tx, its status, hex and outspends', async () => {
    const tx = await client.transactions.getTx({ txid: f.tx1.txidHex() });
    expect(tx).toMatchObject({
      txid: f.tx1.txidHex(),
      fee: Number(FEE1),
      status: { confirmed: true, block_height: 102 },
    });
    expect(tx.vout.map((o) => o.scriptpubkey_type)).toEqual([
      'p2pkh',
      'v0_p2wpkh',
      'p2sh',
      'op_return',
      'v0_p2wpkh',
    ]);
    expect(await client.transactions.getTxStatus({ txid: f.tx1.txidHex() })).toMatchObject({
      confirmed: true,
    });
    expect(await client.transactions.getTxHex({ txid: f.tx1.txidHex() })).toBe(toHex(f.tx1.toBytes()));
    const spends = await client.transactions.getTxOutspends({ txid: f.tx1.txidHex() });
    expect(spends.map((s) => s.spent)).toEqual([false, false, true, false, true]);
    const proof = await client.transactions.getTxMerkleProof({ txid: f.tx1.txidHex() });
    expect(proof).toMatchObject({ block_height: 102, pos: 1 });
  });

  it('reads an address, its txs and UTXOs', async () => {
    const carol = addr(CAROL.p2wpkh);
    const info = await client.addresses.getAddress({ address: carol });
    expect(info).toMatchObject({
      address: carol,
      chain_stats: { funded_txo_count: 2, funded_txo_sum: 500_000_000, tx_count: 2 },
      mempool_stats: { tx_count: 1 },
    });
    const txs = await client.addresses.getAddressTxs({ address: carol });
    expect(txs.map((t) => t.txid)).toEqual([f.tx3.txidHex(), f.tx2.txidHex(), f.tx1.txidHex()]);
    const chain = await client.addresses.getAddressTxsChain({ address: carol });
    expect(chain.map((t) => t.txid)).toEqual([f.tx2.txidHex(), f.tx1.txidHex()]);
    const utxos = await client.addresses.getAddressTxsUtxo({ address: carol });
    expect(utxos.map((u) => [u.txid, u.vout, u.value, u.status.confirmed])).toEqual([
      [f.tx1.txidHex(), 1, 200_000_000, true],
      [f.tx3.txidHex(), 1, 199_995_000, false],
    ]);
  });

  it('reads the mempool and broadcasts a tx', async () => {
    expect(await client.mempool.getMempoolTxids()).toEqual([f.tx3.txidHex()]);
    // The client types this as an array; the API (and mempool.space) answer one object.
    expect(((await client.mempool.getMempool()) as unknown as { count: number }).count).toBe(1);
    const tx = signedSpend(
      [{ prevout: outpointOf(f.tx1, 1), value: 200_000_000n, key: CAROL }],
      [new TxOut(199_990_000n, BOB.p2wpkh)],
    );
    const txid = await client.transactions.postTx({ txhex: toHex(tx.toBytes()) });
    expect(txid).toBe(tx.txidHex());
    expect(f.t.node.mempool.has(tx.txid())).toBe(true);
    expect((await client.mempool.getMempoolRecent()).map((r) => r.txid)[0]).toBe(tx.txidHex());
    const bad = await client.transactions
      .postTx({ txhex: 'zz' })
      .catch((e: { response?: { status: number; data: unknown } }) => e.response);
    expect(bad).toMatchObject({ status: 400 });
  });
});
