/**
 * BIP329 labels: records of the BIP's example types imported and exported unchanged, a later
 * record replacing an earlier one of the same type and ref, and a file with one bad line
 * refused as a whole (exit 1, one line, the label file untouched). No password is asked.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAddress } from '../node/protocol/address.js';
import { getNetwork, regtest } from '../node/protocol/params.js';
import { p2wpkh } from '../node/protocol/script/templates.js';
import { runInProcess } from './helpers/wallet-run.js';

const SCRIPT = p2wpkh(new Uint8Array(20).fill(7));
const ADDR = encodeAddress(SCRIPT, regtest.address)!;
const MAIN_ADDR = encodeAddress(SCRIPT, getNetwork('main').address)!;

const PW = { GOSSIP_WALLET_PASSWORD: 'labels password' };
let dir: string;
let file: string;

const TX = 'f91d0a8a78462bc59398f2c5d7a84fcff491c26ba54c4833478b202796c8aafd';
const RECORDS = [
  { type: 'tx', ref: TX, label: 'Transaction' },
  { type: 'addr', ref: ADDR, label: 'Address' },
  { type: 'pubkey', ref: `02${'aa'.repeat(32)}`, label: 'Public Key' },
  { type: 'input', ref: `${TX}:0`, label: 'Input' },
  { type: 'output', ref: `${TX}:1`, label: 'Output', spendable: false },
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-wallet-labels-'));
  file = join(dir, 'w.json');
  expect((await runInProcess(['-n', 'regtest', '-w', file, 'create', '--scrypt-log-n', '10'], PW)).code).toBe(
    0,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('BIP329 labels', () => {
  it('imports, merges and exports JSON Lines without a password', async () => {
    const src = join(dir, 'in.jsonl');
    await writeFile(src, `${RECORDS.map((r) => JSON.stringify(r)).join('\n')}\n\n`);
    const imp = await runInProcess(['-w', file, 'labels', 'import', src, '--json']);
    expect(imp.code).toBe(0);
    expect(JSON.parse(imp.out)).toEqual({ imported: 5, total: 5 });
    const exp = await runInProcess(['-w', file, 'labels', 'export']);
    expect(exp.out.split('\n').map((l) => JSON.parse(l))).toEqual(RECORDS);
    // A record with the same type and ref replaces the old one.
    await writeFile(src, JSON.stringify({ type: 'tx', ref: TX, label: 'renamed' }));
    expect((await runInProcess(['-w', file, 'labels', 'import', src])).code).toBe(0);
    const after = JSON.parse((await runInProcess(['-w', file, 'labels', 'export', '--json'])).out) as {
      label: string;
    }[];
    expect(after).toHaveLength(5);
    expect(after[0]!.label).toBe('renamed');
  });

  it('refuses a file with one bad line, changing nothing', async () => {
    const before = await readFile(`${file}.labels.json`, 'utf8');
    for (const bad of [
      { type: 'utxo', ref: TX },
      { type: 'tx', ref: 'xyz' },
      { type: 'addr', ref: MAIN_ADDR }, // another network's
      { type: 'tx', ref: TX, spendable: true },
      { type: 'tx', ref: TX, label: 5 },
    ]) {
      const src = join(dir, 'bad.jsonl');
      await writeFile(src, `${JSON.stringify(RECORDS[0])}\n${JSON.stringify(bad)}\n`);
      const r = await runInProcess(['-w', file, 'labels', 'import', src]);
      expect({ bad, code: r.code }).toEqual({ bad, code: 1 });
      expect(r.err.split('\n')).toHaveLength(1);
    }
    await writeFile(join(dir, 'notjson.jsonl'), '{"type":');
    expect((await runInProcess(['-w', file, 'labels', 'import', join(dir, 'notjson.jsonl')])).code).toBe(1);
    expect(await readFile(`${file}.labels.json`, 'utf8')).toBe(before);
  });
});
