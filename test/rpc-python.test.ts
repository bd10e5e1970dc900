/**
 * Issue 20, an independent JSON-RPC client: test/scripts/rpc_client.py drives a regtest node with
 * Debian's python3-bitcoinlib `bitcoin.rpc.Proxy` and its default settings, as a user of
 * Bitcoin Core would: a bitcoin.conf holding only `rpcport`, and the cookie found where Core's
 * layout puts it for regtest, `<conf dir>/regtest/.cookie` (the node's data dir is
 * `<dir>/regtest`, as the default `<base>/gossip-ledger/regtest` is). It calls
 * getblockchaininfo, generatetoaddress, getblock, sendrawtransaction, getrawtransaction and
 * estimatesmartfee, and an unknown method (-32601 through the library's JSONRPCError).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeAddress } from '../node/protocol/address.js';
import { toHex } from '../node/protocol/bytes.js';
import { regtest } from '../node/protocol/params.js';
import { OutPoint } from '../node/protocol/tx.js';
import { payTo, signedSpend, testKey } from './helpers/keys.js';
import { startTestNode, stopTestNodes } from './helpers/node.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'scripts', 'rpc_client.py');
const MINER = testKey('rpc python miner');
let base: string | undefined;

afterAll(async () => {
  await stopTestNodes();
  if (base) await rm(base, { recursive: true, force: true });
});

interface Result {
  chain: string;
  blocks: number;
  generated: string;
  blockHash: string;
  blockTxs: number;
  coinbase: boolean;
  txid: string;
  pooledTxid: string;
  feerate: string;
  feeBlocks: number;
  minedIn: string;
  mined: string;
  confirmedTxid: string;
  unknownMethodCode: number;
}

describe('python-bitcoinlib bitcoin.rpc.Proxy', () => {
  it('finds the cookie by its default regtest lookup and calls the node', { timeout: 180_000 }, async () => {
    base = await mkdtemp(join(tmpdir(), 'gl-rpc-py-'));
    const t = await startTestNode({ datadir: join(base, 'regtest') });
    await t.node.generate(101, MINER.p2wpkh);
    const cb = (await t.node.chain.getBlock(t.node.chain.entryAt(1)!.hash))!.txs[0]!;
    const tx = signedSpend(
      [{ prevout: new OutPoint(cb.txid(), 0), value: 5_000_000_000n, key: MINER }],
      [payTo(MINER, 4_999_990_000n)],
    );
    const conf = join(base, 'bitcoin.conf');
    await writeFile(
      conf,
      `# only the port: credentials come from regtest/.cookie\nrpcport=${new URL(t.rpcUrl).port}\n`,
    );
    const address = encodeAddress(MINER.p2wpkh, regtest.address)!;

    const { stdout } = await promisify(execFile)(
      '/usr/bin/python3',
      [SCRIPT, conf, address, toHex(tx.toBytes())],
      {
        timeout: 120_000,
      },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect(line, stdout).toBeDefined();
    const r = JSON.parse(line!.slice('RESULT '.length)) as Result;
    const chain = t.node.chain;
    expect(r).toMatchObject({
      chain: 'regtest',
      blocks: 101,
      generated: chain.entryAt(102)!.hashHex,
      blockHash: chain.entryAt(102)!.hashHex,
      blockTxs: 1,
      coinbase: true,
      txid: tx.txidHex(),
      pooledTxid: tx.txidHex(),
      feeBlocks: 2,
      mined: chain.entryAt(103)!.hashHex,
      minedIn: chain.entryAt(103)!.hashHex,
      confirmedTxid: tx.txidHex(),
      unknownMethodCode: -32601,
    });
    // At least the 1 sat/vB relay floor, in coin/kvB.
    expect(Number(r.feerate)).toBeGreaterThanOrEqual(0.00001);
    expect(chain.height).toBe(103);
  });
});
