/**
 * The spending commands against a real regtest node (in-process FullNode, its explorer API on
 * an ephemeral port; the wallet run in-process through program.ts's `main`): several recipients
 * in one transaction (pairs, a BIP21 URI, --to-file), coin control (--utxo, freeze/unfreeze),
 * `bumpfee` (the original leaves the node's mempool, the replacement confirms) and `cpfp` (the
 * child lifts its parent's package to the asked rate; both confirm), and bad input answered with
 * one line, no change to the wallet's files, nothing broadcast.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAddress } from '../node/protocol/address.js';
import { regtest } from '../node/protocol/params.js';
import { p2wpkh } from '../node/protocol/script/templates.js';
import { startTestNode, stopTestNodes, type TestNode } from './helpers/node.js';
import { runInProcess } from './helpers/wallet-run.js';

const PW = { GOSSIP_WALLET_PASSWORD: 'spend password' };
const BURN = p2wpkh(new Uint8Array(20).fill(0xee));

let dir: string;
let node: TestNode;
let fileA: string;
let fileB: string;

async function w(file: string, ...args: string[]) {
  return runInProcess(['-w', file, '--node', node.url, ...args], PW);
}

async function json<T = Record<string, unknown>>(file: string, ...args: string[]): Promise<T> {
  const r = await w(file, ...args, '--json');
  if (r.code !== 0) throw new Error(`gossip-wallet ${args.join(' ')} exited ${r.code}: ${r.err.trim()}`);
  return JSON.parse(r.out) as T;
}

interface EsploraTx {
  vin: { txid: string; vout: number }[];
  vout: { scriptpubkey_address?: string; value: number }[];
  status: { confirmed: boolean };
}

async function tx(txid: string): Promise<EsploraTx> {
  const res = await fetch(`${node.url}/api/tx/${txid}`);
  expect(res.status).toBe(200);
  return (await res.json()) as EsploraTx;
}

async function mempool(): Promise<string[]> {
  return node.rpc<string[]>('getrawmempool');
}

async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await readdir(dir)) out[f] = await readFile(join(dir, f), 'utf8');
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-wallet-spend-'));
  node = await startTestNode();
  fileA = join(dir, 'a.json');
  fileB = join(dir, 'b.json');
  for (const f of [fileA, fileB]) {
    const r = await runInProcess(['-n', 'regtest', '-w', f, 'create', '--scrypt-log-n', '10'], PW);
    expect(r.code).toBe(0);
  }
  const { address } = await json<{ address: string }>(fileA, 'address');
  // 110 blocks: 11 mature coinbases of 50 coins.
  await node.node.generate(110, decodeAddress(address, regtest.address));
}, 300_000);

afterAll(async () => {
  await stopTestNodes();
  await rm(dir, { recursive: true, force: true });
});

describe('spending on a regtest node', () => {
  it('pays several recipients in one transaction: pairs, a bitcoin: URI and --to-file', async () => {
    const b1 = (await json<{ address: string }>(fileB, 'address')).address;
    const b2 = (await json<{ address: string }>(fileB, 'address', '--change')).address;
    const b3 = (await json<{ address: string }>(fileA, 'address')).address;
    const csv = join(dir, 'pay.csv');
    await writeFile(csv, `address,amount\n${b3},0.03\n`);
    const sent = await json<{ txid: string; broadcast: boolean }>(
      fileA,
      'send',
      b1,
      '0.01',
      `bitcoin:${b2}?amount=0.02&label=rent`,
      '--to-file',
      csv,
      '--fee-rate',
      '2',
    );
    expect(sent.broadcast).toBe(true);
    const t = await tx(sent.txid);
    const paid = new Map(t.vout.map((o) => [o.scriptpubkey_address, o.value]));
    expect(paid.get(b1)).toBe(1_000_000);
    expect(paid.get(b2)).toBe(2_000_000);
    expect(paid.get(b3)).toBe(3_000_000);
    expect(t.vout).toHaveLength(4); // three payments and the change
    await node.node.generate(1, BURN);
  }, 120_000);

  it('coin control: --utxo spends exactly the named coin; a frozen coin is never picked', async () => {
    const coins = await json<
      { txid: string; vout: number; value_sat?: number; spendable: boolean; confirmations: number }[]
    >(fileA, 'utxos');
    const mature = coins.filter((c) => c.spendable && c.confirmations > 0);
    expect(mature.length).toBeGreaterThan(3);
    const [first, second] = mature;
    const id = (c: { txid: string; vout: number }) => `${c.txid}:${c.vout}`;
    const { address } = await json<{ address: string }>(fileB, 'address');
    const one = await json<{ txid: string }>(
      fileA,
      'send',
      address,
      '1',
      '--utxo',
      id(first!),
      '--fee-rate',
      '1',
    );
    expect((await tx(one.txid)).vin.map(id)).toEqual([id(first!)]);

    // Freeze every other mature coin but `second`: selection can only take `second`.
    const others = mature.filter((c) => id(c) !== id(first!) && id(c) !== id(second!)).map(id);
    const frozen = await json<{ frozen: string[]; changed: number }>(fileA, 'freeze', ...others);
    expect(frozen.changed).toBe(others.length);
    expect((await json<{ frozen: string[] }>(fileA, 'freeze')).frozen).toEqual([...others].sort());
    const two = await json<{ txid: string }>(fileA, 'send', address, '2', '--fee-rate', '1');
    expect((await tx(two.txid)).vin.map(id)).toEqual([id(second!)]);
    // --utxo still spends a frozen coin, as Core's preset inputs do.
    const three = await json<{ txid: string }>(
      fileA,
      'send',
      address,
      '1',
      '--utxo',
      others[0]!,
      '--fee-rate',
      '1',
    );
    expect((await tx(three.txid)).vin.map(id)).toEqual([others[0]]);
    const un = await json<{ frozen: string[] }>(fileA, 'unfreeze', ...others);
    expect(un.frozen).toEqual([]);
    await node.node.generate(1, BURN);
  }, 120_000);

  it('bumpfee replaces a stuck transaction: the original leaves the mempool, the replacement confirms', async () => {
    const { address } = await json<{ address: string }>(fileB, 'address');
    const stuck = await json<{ txid: string; fee_sat: number }>(
      fileA,
      'send',
      address,
      '0.7',
      '--fee-rate',
      '1',
    );
    expect(await mempool()).toContain(stuck.txid);
    // Below the BIP125 floor (the original's rate plus 1 sat/vB): refused, nothing sent.
    const low = await w(fileA, 'bumpfee', stuck.txid, '--fee-rate', '1.5');
    expect(low.code).toBe(1);
    expect(low.err.split('\n')).toHaveLength(1);
    const bumped = await json<{ txid: string; replaces: string; fee_sat: number; original_fee_sat: number }>(
      fileA,
      'bumpfee',
      stuck.txid,
      '--fee-rate',
      '5',
    );
    expect(bumped.replaces).toBe(stuck.txid);
    expect(bumped.original_fee_sat).toBe(stuck.fee_sat);
    expect(bumped.fee_sat).toBeGreaterThan(stuck.fee_sat);
    const pool = await mempool();
    expect(pool).toContain(bumped.txid);
    expect(pool).not.toContain(stuck.txid);
    const r = await tx(bumped.txid);
    // Same recipient, same amount.
    expect(r.vout.find((v) => v.scriptpubkey_address === address)?.value).toBe(70_000_000);
    await node.node.generate(1, BURN);
    expect((await tx(bumped.txid)).status.confirmed).toBe(true);
    expect((await fetch(`${node.url}/api/tx/${stuck.txid}`)).status).toBe(404);
  }, 120_000);

  it('bumpfee adds a confirmed coin when the change cannot carry the fee', async () => {
    const { address } = await json<{ address: string }>(fileB, 'address');
    const coins = await json<
      { txid: string; vout: number; value_sat: number; spendable: boolean; confirmations: number }[]
    >(fileA, 'utxos');
    const c = coins.find((x) => x.spendable && x.confirmations > 0 && x.value_sat === 50 * 1e8)!;
    // The whole coin less 500 sat: too little left for a change output, so there is none.
    const exact = await json<{ txid: string; change_sat: number }>(
      fileA,
      'send',
      address,
      '49.999995',
      '--utxo',
      `${c.txid}:${c.vout}`,
      '--fee-rate',
      '1',
    );
    expect(exact.change_sat).toBe(0);
    const bumped = await json<{ txid: string; inputs_added: number }>(
      fileA,
      'bumpfee',
      exact.txid,
      '--fee-rate',
      '20',
    );
    expect(bumped.inputs_added).toBeGreaterThan(0);
    const pool = await mempool();
    expect(pool).toContain(bumped.txid);
    expect(pool).not.toContain(exact.txid);
    await node.node.generate(1, BURN);
    expect((await tx(bumped.txid)).status.confirmed).toBe(true);
  }, 120_000);

  it('cpfp: the receiver lifts a low-fee parent to the asked rate and both confirm', async () => {
    const { address } = await json<{ address: string }>(fileB, 'address');
    const parent = await json<{ txid: string }>(fileA, 'send', address, '0.5', '--fee-rate', '1');
    const child = await json<{ txid: string; parent: string; package_fee_rate: string }>(
      fileB,
      'cpfp',
      parent.txid,
      '--fee-rate',
      '10',
    );
    expect(child.parent).toBe(parent.txid);
    expect(Number(child.package_fee_rate)).toBeGreaterThanOrEqual(10);
    const entry = await node.rpc<{ ancestorsize: number; fees: { ancestor: number } }>('getmempoolentry', [
      child.txid,
    ]);
    // The node's own view of the package: ancestor fee over ancestor size at least 10 sat/vB.
    expect((entry.fees.ancestor * 1e8) / entry.ancestorsize).toBeGreaterThanOrEqual(10);
    expect((await tx(child.txid)).vin.every((i) => i.txid === parent.txid)).toBe(true);
    await node.node.generate(1, BURN);
    expect((await tx(parent.txid)).status.confirmed).toBe(true);
    expect((await tx(child.txid)).status.confirmed).toBe(true);
    // A confirmed parent is refused.
    const again = await w(fileB, 'cpfp', parent.txid, '--fee-rate', '10');
    expect(again.code).toBe(1);
  }, 120_000);

  it('bad input: one line, exit code, no file changed, nothing broadcast', async () => {
    const { address } = await json<{ address: string }>(fileB, 'address');
    // After `address`, which succeeds and so may bring fileB's cache up to date.
    const before = await snapshot();
    const pool = await mempool();
    const cases: [string[], number][] = [
      [['send', address], 1],
      [['send', 'bcrt1qbad', '1'], 1],
      [['send', address, '1', address, '2'], 1],
      [['send', `bitcoin:${address}?req-x=1&amount=1`], 1],
      [['send', address, '1', '--utxo', 'nope'], 1],
      [['send', address, '1', '--utxo', `${'00'.repeat(32)}:0`], 1],
      [['send', address, '1', '--to-file', join(dir, 'missing.csv')], 1],
      [['send', address, '100000'], 3],
      [['send', address, '1', '--fee-rate', '5000'], 10],
      [['bumpfee', 'xyz'], 1],
      [['bumpfee', '00'.repeat(32)], 1],
      [['cpfp', '00'.repeat(32)], 1],
      [['freeze', 'abc:1'], 1],
    ];
    for (const [args, exit] of cases) {
      const r = await w(fileA, ...args);
      expect({ args, code: r.code }).toEqual({ args, code: exit });
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^gossip-wallet: /);
    }
    expect(await mempool()).toEqual(pool);
    // A failing command writes nothing: not the cache, not even the last-seen tip.
    expect(await snapshot()).toEqual(before);
    for (const cmd of ['send', 'bumpfee', 'cpfp', 'freeze', 'unfreeze']) {
      const h = await runInProcess([cmd, '--help']);
      expect(h.code).toBe(0);
      expect(h.out).toContain(`Usage: gossip-wallet ${cmd}`);
    }
  }, 180_000);
});
