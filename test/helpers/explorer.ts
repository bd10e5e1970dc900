/**
 * A regtest node holding what the explorer tests read: 101 blocks to ALICE (P2WPKH), then
 * tx1 (confirmed at 102) paying P2PKH, P2WPKH, P2SH (redeem script OP_TRUE), OP_RETURN and
 * change; tx2 (confirmed at 103) spending tx1's P2SH and change outputs; tx3 in the mempool
 * spending tx2:0. So tx1 has unspent, spent and unspendable outputs, tx2 has an output spent
 * by a mempool tx, and the mempool is not empty. `get`/`json`/`text` fetch from the node.
 */
import { encodeAddress } from '../../node/protocol/address.js';
import type { Block } from '../../node/protocol/block.js';
import { hash160 } from '../../node/protocol/hash.js';
import { blockHashFromDisplay } from '../../node/protocol/ids.js';
import { regtest } from '../../node/protocol/params.js';
import { encodeMinimalPush, nullData, p2sh } from '../../node/protocol/script/templates.js';
import { OutPoint, type Tx, TxOut } from '../../node/protocol/tx.js';
import { outpointOf, signedSpend, type TestKey, testKey } from './keys.js';
import { startTestNode, type TestNode } from './node.js';

export const ALICE = testKey('explorer alice');
export const BOB = testKey('explorer bob');
export const CAROL = testKey('explorer carol');
export const OP_TRUE_REDEEM = Uint8Array.of(0x51);
export const P2SH_SCRIPT = p2sh(hash160(OP_TRUE_REDEEM));
export const OP_RETURN_SCRIPT = nullData(new TextEncoder().encode('gossip-ledger'));
export const FEE1 = 10_000n;
export const FEE2 = 7_000n;
export const FEE3 = 5_000n;

export const addr = (script: Uint8Array) => encodeAddress(script, regtest.address)!;

export interface ExplorerFixture {
  t: TestNode;
  api: string;
  tx1: Tx;
  tx2: Tx;
  tx3: Tx;
  block102: Block;
  block103: Block;
  get(path: string, init?: RequestInit): Promise<Response>;
  json<T = unknown>(path: string): Promise<T>;
  text(path: string): Promise<string>;
}

async function mine(t: TestNode, n: number, key: TestKey): Promise<Block[]> {
  const hashes = await t.node.generate(n, key.p2wpkh);
  return Promise.all(hashes.map(async (h) => (await t.node.chain.getBlock(blockHashFromDisplay(h)))!));
}

export async function explorerFixture(): Promise<ExplorerFixture> {
  const t = await startTestNode();
  const blocks = await mine(t, 101, ALICE);
  const cb1 = blocks[0]!.txs[0]!;
  const cbValue = cb1.outputs[0]!.value;
  const tx1 = signedSpend(
    [{ prevout: new OutPoint(cb1.txid(), 0), value: cbValue, key: ALICE }],
    [
      new TxOut(100_000_000n, BOB.p2pkh),
      new TxOut(200_000_000n, CAROL.p2wpkh),
      new TxOut(300_000_000n, P2SH_SCRIPT),
      new TxOut(0n, OP_RETURN_SCRIPT),
      new TxOut(cbValue - 600_000_000n - FEE1, ALICE.p2wpkh),
    ],
  );
  await t.node.submitTx(tx1);
  const [block102] = await mine(t, 1, BOB);
  const change1 = tx1.outputs[4]!.value;
  const tx2 = signedSpend(
    [
      { prevout: outpointOf(tx1, 2), value: 300_000_000n, scriptSig: encodeMinimalPush(OP_TRUE_REDEEM) },
      { prevout: outpointOf(tx1, 4), value: change1, key: ALICE },
    ],
    [new TxOut(300_000_000n, CAROL.p2wpkh), new TxOut(change1 - FEE2, ALICE.p2wpkh)],
  );
  await t.node.submitTx(tx2);
  const [block103] = await mine(t, 1, BOB);
  const tx3 = signedSpend(
    [{ prevout: outpointOf(tx2, 0), value: 300_000_000n, key: CAROL }],
    [new TxOut(100_000_000n, BOB.p2pkh), new TxOut(200_000_000n - FEE3, CAROL.p2wpkh)],
  );
  await t.node.submitTx(tx3);
  const api = `${t.url}/api`;
  const get = (path: string, init?: RequestInit) =>
    fetch(`${api}${path}`, { signal: AbortSignal.timeout(30_000), ...init });
  const json = async <T>(path: string): Promise<T> => {
    const res = await get(path);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const text = async (path: string) => {
    const res = await get(path);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return res.text();
  };
  return { t, api, tx1, tx2, tx3, block102: block102!, block103: block103!, get, json, text };
}
