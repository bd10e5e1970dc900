/**
 * Issue 4, an independent Bitcoin client: test/scripts/p2p_client.py, written against Debian's
 * python3-bitcoinlib (run by /usr/bin/python3), completes version/verack with a regtest node,
 * gets headers from genesis, fetches a block carrying a segwit transaction by getdata (as
 * MSG_BLOCK and MSG_WITNESS_BLOCK), and computes the same block hash, merkle root and txids
 * as the node.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../node/protocol/bytes.js';
import { hashToDisplay } from '../node/protocol/hash.js';
import { OutPoint } from '../node/protocol/tx.js';
import { payTo, signedSpend, testKey } from './helpers/keys.js';
import { startNetNode, stopNetNodes } from './helpers/p2p.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'scripts', 'p2p_client.py');
const MINER = testKey('p2p python miner');

afterAll(stopNetNodes);

interface Result {
  peerVersion: number;
  peerUserAgent: string;
  peerHeight: number;
  headers: number;
  headersChain: boolean;
  headerHash: string;
  blocks: { hash: string; merkleRoot: string; headerMerkleRoot: string; txids: string[]; witness: boolean }[];
}

describe('python-bitcoinlib client', () => {
  it('handshakes, reads headers and fetches a block with the same hash and merkle root', async () => {
    const t = await startNetNode();
    await t.node.generate(101, MINER.p2wpkh);
    const chain = t.node.chain;
    const cb = (await chain.getBlock(chain.entryAt(1)!.hash))!.txs[0]!;
    const tx = signedSpend(
      [{ prevout: new OutPoint(cb.txid(), 0), value: 5_000_000_000n, key: MINER }],
      [payTo(MINER, 4_999_990_000n)],
    );
    await t.rpc('sendrawtransaction', [toHex(tx.toBytes())]);
    await t.node.generate(1, MINER.p2wpkh);
    const entry = chain.entryAt(102)!;
    const block = (await chain.getBlock(entry.hash))!;
    expect(block.txs.length).toBe(2);

    const { stdout } = await promisify(execFile)(
      '/usr/bin/python3',
      [SCRIPT, '127.0.0.1', String(t.node.p2p!.listenPort), '102'],
      { timeout: 30_000 },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect(line, stdout).toBeDefined();
    const r = JSON.parse(line!.slice('RESULT '.length)) as Result;
    expect(r).toMatchObject({
      peerVersion: 70016,
      peerUserAgent: '/gossip-ledger:0.1.0/',
      peerHeight: 102,
      headers: 102,
      headersChain: true,
      headerHash: entry.hashHex,
    });
    const root = hashToDisplay(block.merkleRoot().root);
    const txids = block.txs.map((x) => x.txidHex());
    expect(r.blocks).toEqual([
      { hash: entry.hashHex, merkleRoot: root, headerMerkleRoot: root, txids, witness: false },
      { hash: entry.hashHex, merkleRoot: root, headerMerkleRoot: root, txids, witness: true },
    ]);
  });
});
