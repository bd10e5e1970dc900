/**
 * The anchoring commands as a user runs them, against a fake Esplora server on 127.0.0.1 (no
 * chain needed): `manifest` and `chunk-path` / `verify-chunk` outputs checked against the
 * library, `anchor` building one OP_RETURN transaction (dry run, sent, refused), and every bad
 * input the issue lists (missing, unreadable or directory files, malformed proofs, proofs of
 * another network, an existing proof) failing with one line on stderr, a documented exit code,
 * no request to the node and no file written. Most runs are in-process (wallet/program.ts);
 * a few go through the built binary (dist/wallet/cli.js) to check the real process exit codes.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAnchorScript } from '../node/anchors/commitment.js';
import { chunkPath, digestBytes, makeManifest } from '../node/anchors/manifest.js';
import { manifestToJson } from '../node/anchors/manifest-codec.js';
import { EMPTY_ROOT, hashToHex, leafHash } from '../node/anchors/tree.js';
import { fromHex } from '../node/protocol/bytes.js';
import { regtest } from '../node/protocol/params.js';
import { Tx } from '../node/protocol/tx.js';
import { BAR_MIN_BYTES, progressBar, renderBar } from '../wallet/anchor/progress.js';
import { RECEIVE } from '../wallet/hd.js';
import { Wallet } from '../wallet/wallet.js';
import { type CliRun, jsonOf, runCli } from './helpers/anchors.js';
import { walletVectors } from './helpers/wallet.js';
import { runWallet } from './helpers/wallet-cli.js';
import { FakeEsplora, fakeTxid } from './helpers/wallet-esplora.js';

const MNEMONIC = walletVectors().bip84.mnemonic;
const PW = { GOSSIP_WALLET_PASSWORD: 'anchors cli' };
const CHUNK = 1024;

let dir: string;
let walletFile: string;
let fake: FakeEsplora;
let big: Uint8Array;
let bigFile: string;

const cli = (...args: string[]) => runCli(['-n', 'regtest', '--node', fake.url, ...args], PW);
const w = (...args: string[]) => runCli(['-w', walletFile, '--node', fake.url, ...args], PW);

function oneLine(r: CliRun): string {
  const lines = r.err.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^gossip-wallet: /);
  return lines[0]!;
}

/** Names in the test dir that look like proofs or their temp files. */
async function proofNames(): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.includes('.anchor.json')).sort();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-anchors-cli-'));
  walletFile = join(dir, 'wallet.json');
  fake = new FakeEsplora();
  await fake.start();
  const model = new Wallet(regtest, { mnemonic: MNEMONIC, account: 0, imported: [], createdAt: '' });
  const k = model.key(RECEIVE, 0);
  fake.fund(k.address, { txid: fakeTxid(1), vout: 0, value: 50_000_000, height: 150 });
  const r = await runCli(['-n', 'regtest', '-w', walletFile, 'restore', '--scrypt-log-n', '10'], {
    ...PW,
    GOSSIP_WALLET_MNEMONIC: MNEMONIC,
  });
  expect(r.code).toBe(0);
  big = new Uint8Array(5 * CHUNK + 300).map((_, i) => (i * 31 + (i >> 10)) & 0xff);
  bigFile = join(dir, 'big.bin');
  await writeFile(bigFile, big);
});

afterAll(async () => {
  await fake?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('manifest', () => {
  it('prints the manifest the library computes, as JSON and text', async () => {
    const r = await cli('manifest', bigFile, '--chunk-size', '1k', '--json');
    expect(r.code).toBe(0);
    const want = manifestToJson(makeManifest('big.bin', digestBytes(big, { chunkSize: CHUNK })), {
      withId: true,
    });
    expect(jsonOf(r)).toEqual(want);
    expect(want.chunkCount).toBe(6);
    const text = await cli('manifest', bigFile, '--chunk-size', '1024');
    expect(text.out).toContain(want.id);
    expect(text.out).toMatch(/^name +big\.bin$/m);
  });

  it('streams a file over several reads to the same root as the library, at any chunk size', async () => {
    // 9 MiB + 5: reads are 1..4 MiB (wallet/anchor/files.ts), so chunks straddle reads or span them.
    const data = new Uint8Array(9 * 1048576 + 5).map((_, i) => (i ^ (i >> 11) ^ (i >> 19)) & 0xff);
    const file = join(dir, 'nine.bin');
    await writeFile(file, data);
    for (const cs of [1024, 262144, 2097152, 8388608]) {
      const r = await cli('manifest', file, '--chunk-size', String(cs), '--json');
      const want = makeManifest('nine.bin', digestBytes(data, { chunkSize: cs }));
      expect([cs, jsonOf<{ root: string }>(r).root]).toEqual([cs, hashToHex(want.root)]);
    }
    await rm(file);
  });

  it('defines the manifests of an empty file and of one exact chunk', async () => {
    const empty = join(dir, 'empty');
    const one = join(dir, 'one');
    await writeFile(empty, new Uint8Array(0));
    await writeFile(one, big.subarray(0, CHUNK));
    expect(jsonOf(await cli('manifest', empty, '--json'))).toMatchObject({
      size: 0,
      chunkCount: 0,
      chunkSize: 262144,
      root: hashToHex(EMPTY_ROOT),
    });
    expect(jsonOf(await cli('manifest', one, '--chunk-size', '1k', '--json'))).toMatchObject({
      size: CHUNK,
      chunkCount: 1,
      root: hashToHex(leafHash(big.subarray(0, CHUNK))),
    });
  });

  it('refuses a bad chunk size, a missing file, a directory and a non-file', async () => {
    for (const size of ['1000', '512', '128MiB', 'big']) {
      const r = await cli('manifest', bigFile, '--chunk-size', size);
      expect(r.code).toBe(1);
      expect(oneLine(r)).toMatch(/invalid --chunk-size/);
    }
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.bin'), /no such file/],
      [dir, /is a directory/],
      [join(bigFile, 'inside'), /cannot read file/],
      ['/dev/null', /not a regular file/],
    ];
    for (const [path, msg] of cases) {
      const r = await cli('manifest', path);
      expect([path, r.code]).toEqual([path, 1]);
      expect(oneLine(r)).toMatch(msg);
    }
  });
});

describe('progress bar', () => {
  it('draws on a terminal for large files only, at most ten times a second, and erases itself', () => {
    expect(renderBar('big.iso', 512 * 1048576, 1024 * 1048576, 2)).toBe(
      `big.iso [${'#'.repeat(15)}${'.'.repeat(15)}]  50%  512/1024 MiB  268 MB/s`,
    );
    const lines: string[] = [];
    let now = 0;
    const bar = progressBar(
      (l) => lines.push(l),
      'f',
      BAR_MIN_BYTES,
      () => now,
    );
    for (let i = 1; i <= 100; i++) {
      now += 5;
      bar.update((BAR_MIN_BYTES / 100) * i);
    }
    bar.done();
    // 500 ms of updates every 5 ms: a redraw per 100 ms, the last (complete) one, then erased.
    expect(lines.length).toBeLessThanOrEqual(7);
    expect(lines.at(-2)).toMatch(/\] 100%/);
    expect(lines.at(-1)).toBe('');
    const quiet: string[] = [];
    progressBar((l) => quiet.push(l), 'f', BAR_MIN_BYTES - 1).update(1);
    progressBar(undefined, 'f', 10 * BAR_MIN_BYTES).update(1);
    expect(quiet).toEqual([]);
  });
});

describe('chunk-path and verify-chunk', () => {
  it('every chunk verifies with its path; a wrong chunk, index or path does not', async () => {
    const manifestFile = join(dir, 'big.manifest.json');
    await writeFile(manifestFile, (await cli('manifest', bigFile, '--chunk-size', '1k', '--json')).out);
    const hashes = digestBytes(big, { chunkSize: CHUNK, keepChunkHashes: true }).chunkHashes!;
    const paths: string[] = [];
    for (let i = 0; i < 6; i++) {
      const out = join(dir, `chunk-${i}`);
      const r = await cli('chunk-path', bigFile, String(i), '--chunk-size', '1k', '--out', out);
      expect(r.code).toBe(0);
      expect(r.out).toBe(chunkPath(hashes, i).map(hashToHex).join(','));
      expect(new Uint8Array(await readFile(out))).toEqual(big.subarray(i * CHUNK, (i + 1) * CHUNK));
      const ok = await cli('verify-chunk', manifestFile, String(i), out, r.out, '--json');
      expect(ok.code).toBe(0);
      expect(jsonOf(ok)).toMatchObject({ ok: true, code: 'OK', index: i, chunkCount: 6 });
      paths.push(r.out);
    }
    // @FILE holding chunk-path's JSON.
    const pathFile = join(dir, 'path-2.json');
    await writeFile(pathFile, (await cli('chunk-path', bigFile, '2', '--chunk-size', '1k', '--json')).out);
    expect((await cli('verify-chunk', manifestFile, '2', join(dir, 'chunk-2'), `@${pathFile}`)).code).toBe(0);

    const fails: [string[], number, string][] = [
      [['1', join(dir, 'chunk-2'), paths[1]!], 8, 'ROOT_MISMATCH'],
      [['2', join(dir, 'chunk-2'), paths[1]!], 8, 'ROOT_MISMATCH'],
      [['5', join(dir, 'chunk-2'), paths[5]!], 8, 'WRONG_LENGTH'],
      [['6', join(dir, 'chunk-2'), paths[5]!], 8, 'BAD_INDEX'],
    ];
    for (const [args, code, what] of fails) {
      const r = await cli('verify-chunk', manifestFile, ...args, '--json');
      expect([args[0], r.code, jsonOf<{ code: string }>(r).code]).toEqual([args[0], code, what]);
    }
    const text = await cli('verify-chunk', manifestFile, '1', join(dir, 'chunk-2'), paths[1]!);
    expect(text.out).toMatch(/^FAILED \(ROOT_MISMATCH\): chunk 1 of 6/);
    for (const bad of ['zz', `${paths[0]!.slice(0, 60)}`, 'abc,def']) {
      const r = await cli('verify-chunk', manifestFile, '0', join(dir, 'chunk-0'), bad);
      expect(r.code).toBe(1);
      expect(oneLine(r)).toMatch(/invalid path/);
    }
    const notManifest = join(dir, 'not-manifest.json');
    await writeFile(notManifest, '{"version":1}');
    const r = await cli('verify-chunk', notManifest, '0', join(dir, 'chunk-0'), paths[0]!);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toMatch(/MALFORMED_MANIFEST/);
  });
});

describe('anchor', () => {
  it('--dry-run builds one OP_RETURN transaction and sends and writes nothing', async () => {
    const before = fake.posted.length;
    const r = await w('anchor', bigFile, '--chunk-size', '1k', '--fee-rate', '2', '--dry-run', '--json');
    expect(r.code).toBe(0);
    const a = jsonOf<{ hex: string; commitment: string; vout: number; broadcast: boolean }>(r);
    const tx = Tx.fromBytes(fromHex(a.hex));
    const anchors = tx.outputs.filter((o) => o.script[0] === 0x6a);
    expect(anchors).toHaveLength(1);
    expect(anchors[0]!.value).toBe(0n);
    expect(hashToHex(parseAnchorScript(tx.outputs[a.vout]!.script)!)).toBe(a.commitment);
    // One file: the commitment is its manifest id.
    expect(a.commitment).toBe(
      jsonOf<{ id: string }>(await cli('manifest', bigFile, '--chunk-size', '1k', '--json')).id,
    );
    expect(a.broadcast).toBe(false);
    expect(fake.posted.length).toBe(before);
    expect(await proofNames()).toEqual([]);
  });

  it('refuses bad input before any request, writing nothing', async () => {
    const sub = join(dir, 'sub');
    await mkdir(sub, { recursive: true });
    const taken = join(dir, 'taken.bin');
    await writeFile(taken, 'x');
    await writeFile(`${taken}.anchor.json`, 'an older proof');
    const cases: [string[], RegExp][] = [
      [[bigFile, join(dir, 'missing.bin')], /missing\.bin: no such file/],
      [[bigFile, sub], /is a directory/],
      [[join(bigFile, 'x')], /cannot read file/],
      [['/dev/null'], /not a regular file/],
      [[bigFile, bigFile], /given twice/],
      [[taken], /already exists \(use --force/],
      [[bigFile, '--chunk-size', '3k'], /invalid --chunk-size/],
      [[bigFile, '--fee-rate', '2', '--target', '3'], /cannot be used together/],
    ];
    const requests = fake.requests;
    for (const [args, msg] of cases) {
      const r = await w('anchor', ...args);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 1]);
      expect(oneLine(r)).toMatch(msg);
    }
    expect(fake.requests).toBe(requests);
    expect(await readFile(`${taken}.anchor.json`, 'utf8')).toBe('an older proof');
    expect(await proofNames()).toEqual(['taken.bin.anchor.json']);
    await rm(`${taken}.anchor.json`);
  });

  it('leaves no proof behind when the node refuses the transaction', async () => {
    fake.mode = 'reject-tx';
    try {
      const r = await w('anchor', bigFile, '--fee-rate', '2');
      expect(r.code).toBe(7);
      expect(oneLine(r)).toMatch(/rejected/);
    } finally {
      fake.mode = 'ok';
    }
    expect(await proofNames()).toEqual([]);
  });

  it('sends one transaction and writes a pending proof per file', async () => {
    const second = join(dir, 'second.txt');
    await writeFile(second, 'hello anchors\n');
    const r = await w('anchor', bigFile, second, '--chunk-size', '1k', '--fee-rate', '2');
    expect(r.code).toBe(0);
    const [txid, ...proofs] = r.out.split('\n');
    expect(proofs).toEqual([`${bigFile}.anchor.json`, `${second}.anchor.json`]);
    const posted = Tx.fromBytes(fromHex(fake.posted[fake.posted.length - 1]!));
    expect(posted.txidHex()).toBe(txid);
    for (const p of proofs) {
      const proof = JSON.parse(await readFile(p, 'utf8')) as {
        tx: string;
        block: unknown;
        chunkHashes?: string;
      };
      expect(Tx.fromBytes(fromHex(proof.tx)).txidHex()).toBe(txid);
      expect(proof.block).toBeNull();
    }
    expect(await proofNames()).toEqual(['big.bin.anchor.json', 'second.txt.anchor.json']);

    // Not mined yet: offline verification says "not confirmed" (exit 9); the fake node does not
    // know the tx, so proof reports it unknown (exit 9) and --rebroadcast sends it again.
    const v = await cli('verify', second, '--offline', '--json');
    expect(v.code).toBe(9);
    expect(jsonOf(v)).toMatchObject({ ok: false, failure: { link: 'block', code: 'NOT_CONFIRMED' } });
    const st = await cli('proof', proofs[1]!, '--json');
    expect(st.code).toBe(9);
    expect(jsonOf<{ state: string }[]>(st)[0]!.state).toBe('unknown');
    const n = fake.posted.length;
    expect((await cli('anchor-status', '--rebroadcast', proofs[1]!)).code).toBe(9);
    expect(fake.posted.slice(n)).toEqual([fake.posted[n - 1]]);
    // Anchoring again needs --force.
    const again = await w('anchor', second, '--fee-rate', '2');
    expect(again.code).toBe(1);
    const forced = await w('anchor', second, '--fee-rate', '2', '--force');
    expect(forced.code).toBe(0);
  });
});

describe('verify and proof: bad input', () => {
  let good: string;

  beforeAll(async () => {
    good = await readFile(`${bigFile}.anchor.json`, 'utf8');
  });

  it('refuses malformed proofs, other networks and bad options with exit 1', async () => {
    const requests = fake.requests;
    const j = JSON.parse(good) as Record<string, unknown>;
    const bad: [string, string, RegExp][] = [
      ['not json', 'not a proof', /not valid JSON/],
      ['missing field', JSON.stringify({ ...j, tx: undefined }), /lacks 'tx'/],
      ['unknown field', JSON.stringify({ ...j, extra: 1 }), /unknown field 'extra'/],
      ['upper-case hex', JSON.stringify({ ...j, tx: (j.tx as string).toUpperCase() }), /MALFORMED_PROOF/],
      ['other network', JSON.stringify({ ...j, network: 'main' }), /network 'main'/],
      ['newer version', JSON.stringify({ ...j, version: 2 }), /UNSUPPORTED_VERSION/],
    ];
    for (const [what, text, msg] of bad) {
      const file = join(dir, 'bad-proof.json');
      await writeFile(file, text);
      for (const args of [
        ['verify', bigFile, '--proof', file],
        ['proof', '--update', `${bigFile}.anchor.json`, file],
      ]) {
        const r = await cli(...args);
        expect([what, args[0], r.code]).toEqual([what, args[0], 1]);
        expect(oneLine(r)).toMatch(msg);
      }
    }
    // A regtest proof checked as main (the user's network, not the proof's, decides).
    const asMain = await runCli(['-n', 'main', '--node', fake.url, 'verify', bigFile], PW);
    expect(asMain.code).toBe(1);
    expect(oneLine(asMain)).toMatch(/proof is for network 'regtest', this is 'main'/);
    const options: [string[], RegExp][] = [
      [['verify', join(dir, 'missing.bin')], /no such file/],
      [['verify', bigFile, '--proof', dir], /is a directory/],
      [['verify', dir, '--proof', `${bigFile}.anchor.json`], /is a directory/],
      [['verify', bigFile, '--offline', '--min-conf', '3'], /cannot go with --offline/],
      [['verify', bigFile, '--min-conf', '0'], /invalid --min-conf/],
    ];
    for (const [args, msg] of options) {
      const r = await cli(...args);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 1]);
      expect(oneLine(r)).toMatch(msg);
    }
    expect(fake.requests).toBe(requests);
    expect(await readFile(`${bigFile}.anchor.json`, 'utf8')).toBe(good);
  });

  it('exits through the binary with the same codes (dist/wallet/cli.js)', async () => {
    const missing = await runWallet(['-n', 'regtest', 'verify', join(dir, 'missing.bin'), '--offline']);
    expect(missing.code).toBe(1);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    const m = await runWallet(['manifest', bigFile, '--chunk-size', '1k', '--json']);
    expect(m.code).toBe(0);
    expect(JSON.parse(m.out)).toMatchObject({ name: 'big.bin', chunkCount: 6 });
    const help = await runWallet(['verify', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--min-conf/);
  });
});
