/**
 * The wallet end to end against a real regtest node (in-process FullNode, its explorer API on
 * an ephemeral port), through the built binary: the node mines to wallet A; A pays wallet B;
 * B sees the payment unconfirmed, then confirmed after a block; every balance adds up to the
 * satoshi, fees included; a wallet restored from A's mnemonic into a fresh file finds the same
 * funds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAddress } from '../node/protocol/address.js';
import { regtest } from '../node/protocol/params.js';
import { p2wpkh } from '../node/protocol/script/templates.js';
import { startTestNode, stopTestNodes, type TestNode } from './helpers/node.js';
import { runWallet } from './helpers/wallet-cli.js';

const PW = { GOSSIP_WALLET_PASSWORD: 'e2e password' };
const COIN = 100_000_000;
const BURN = p2wpkh(new Uint8Array(20).fill(0xee));

let dir: string;
let node: TestNode;

async function wallet(file: string, ...args: string[]) {
  const r = await runWallet(['-w', file, '--node', node.url, ...args], { env: PW });
  if (r.code !== 0) throw new Error(`gossip-wallet ${args.join(' ')} exited ${r.code}: ${r.err.trim()}`);
  return r.out;
}

async function json<T = Record<string, unknown>>(file: string, ...args: string[]): Promise<T> {
  return JSON.parse(await wallet(file, ...args, '--json')) as T;
}

interface Balance {
  confirmed_sat: number;
  unconfirmed_sat: number;
  total_sat: number;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-wallet-e2e-'));
  node = await startTestNode();
});

afterAll(async () => {
  await stopTestNodes();
  await rm(dir, { recursive: true, force: true });
});

describe('wallet against a regtest node', () => {
  it('mines to A, pays B, confirms, and every balance adds up', async () => {
    const fileA = join(dir, 'a.json');
    const fileB = join(dir, 'b.json');
    const created = await json<{ mnemonic: string; firstAddress: string }>(
      fileA,
      '-n',
      'regtest',
      'create',
      '--scrypt-log-n',
      '10',
    );
    await json(fileB, '-n', 'regtest', 'create', '--scrypt-log-n', '10');

    const { address: addrA } = await json<{ address: string }>(fileA, 'address');
    expect(addrA).toBe(created.firstAddress);
    // 105 blocks: the first 6 coinbases are mature (100 confirmations) at the tip.
    await node.node.generate(105, decodeAddress(addrA, regtest.address));
    const a0 = await json<Balance>(fileA, 'balance');
    expect(a0).toMatchObject({ confirmed_sat: 105 * 50 * COIN, unconfirmed_sat: 0 });
    const coins = await json<{ immature: boolean; spendable: boolean; confirmations: number }[]>(
      fileA,
      'utxos',
    );
    expect(coins).toHaveLength(105);
    expect(coins.filter((c) => c.spendable).map((c) => c.confirmations)).toEqual([
      105, 104, 103, 102, 101, 100,
    ]);
    expect(coins.filter((c) => c.immature)).toHaveLength(99);

    // A pays B 1.5 coins at 2 sat/vB.
    const { address: addrB } = await json<{ address: string }>(fileB, 'address');
    const sent = await json<{ txid: string; fee_sat: number; broadcast: boolean }>(
      fileA,
      'send',
      addrB,
      '1.5',
      '--fee-rate',
      '2',
    );
    expect(sent.broadcast).toBe(true);
    expect(sent.txid).toMatch(/^[0-9a-f]{64}$/);
    const mempool = await node.rpc<string[]>('getrawmempool');
    expect(mempool).toEqual([sent.txid]);

    const b1 = await json<Balance>(fileB, 'balance');
    expect(b1).toEqual(expect.objectContaining({ confirmed_sat: 0, unconfirmed_sat: 1.5 * COIN }));
    const a1 = await json<Balance>(fileA, 'balance');
    expect(a1.total_sat).toBe(105 * 50 * COIN - 1.5 * COIN - sent.fee_sat);
    const histB = await json<{ txid: string; net_sat: number; confirmed: boolean }[]>(fileB, 'history');
    expect(histB).toEqual([
      expect.objectContaining({ txid: sent.txid, net_sat: 1.5 * COIN, confirmed: false }),
    ]);

    // One block (to someone else) confirms it.
    await node.node.generate(1, BURN);
    const b2 = await json<Balance>(fileB, 'balance');
    expect(b2).toEqual(expect.objectContaining({ confirmed_sat: 1.5 * COIN, unconfirmed_sat: 0 }));
    const a2 = await json<Balance>(fileA, 'balance');
    expect(a2).toEqual(
      expect.objectContaining({
        confirmed_sat: 105 * 50 * COIN - 1.5 * COIN - sent.fee_sat,
        unconfirmed_sat: 0,
      }),
    );
    const histA = await json<{ txid: string; net_sat: number; fee_sat: number }[]>(fileA, 'history');
    expect(histA[0]).toMatchObject({
      txid: sent.txid,
      net_sat: -(1.5 * COIN + sent.fee_sat),
      fee_sat: sent.fee_sat,
    });

    // B pays A back everything (sweep, fee estimate from the node), mined, and the sums still hold.
    const { address: addrA2 } = await json<{ address: string }>(fileA, 'address');
    expect(addrA2).not.toBe(addrA);
    const swept = await json<{ txid: string; fee_sat: number }>(fileB, 'sweep', addrA2);
    await node.node.generate(1, BURN);
    expect(await json<Balance>(fileB, 'balance')).toMatchObject({ total_sat: 0 });
    const a3 = await json<Balance>(fileA, 'balance');
    expect(a3.confirmed_sat).toBe(105 * 50 * COIN - sent.fee_sat - swept.fee_sat);

    // A wallet restored from A's mnemonic into a fresh file finds the same funds.
    const fileR = join(dir, 'restored.json');
    const r = await runWallet(['-n', 'regtest', '-w', fileR, 'restore', '--scrypt-log-n', '10'], {
      env: { ...PW, GOSSIP_WALLET_MNEMONIC: created.mnemonic },
    });
    expect(r.code).toBe(0);
    expect(await json<Balance>(fileR, 'balance')).toEqual(a3);
    expect((await json<unknown[]>(fileR, 'utxos')).length).toBe(
      (await json<unknown[]>(fileA, 'utxos')).length,
    );
  });
});
