/** The two CLIs as a user runs them: built binaries in child processes, exit codes, --json. */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readVector } from './helpers/vectors.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
function run(bin: 'node' | 'wallet', args: string[], input?: string) {
  const r = spawnSync(process.execPath, [resolve(root, 'dist', bin, 'cli.js'), ...args], {
    encoding: 'utf8',
    input,
    timeout: 20_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('gossip-node', () => {
  it('has --help on every command', () => {
    for (const args of [['--help'], ['params', '--help'], ['decode-tx', '--help'], ['rpc', '--help']]) {
      const r = run('node', args);
      expect(r.code).toBe(0);
      expect(r.out).toContain('Usage: gossip-node');
    }
  });

  it('prints parameters as JSON', () => {
    const r = run('node', ['params', '--network', 'regtest', '--json']);
    expect(r.code).toBe(0);
    const p = JSON.parse(r.out);
    expect(p.genesis).toBe('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');
    expect(p.magic).toBe('fabfb5da');
  });

  it('decodes a transaction from stdin', () => {
    const v = readVector<{ hex: string; txid: string }>('tx', 'tx7.json');
    const r = run('node', ['decode-tx', '-'], v.hex);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.out);
    expect(d.txid).toBe(v.txid);
    expect(typeof d.vout[0].value).toBe('number');
  });

  it('takes the global -n/--network for every subcommand, before or after it', () => {
    const regtestMagic = 'fabfb5da';
    for (const args of [
      ['-n', 'regtest', 'params', '--json'],
      ['--network', 'regtest', 'params', '--json'],
      ['params', '-n', 'regtest', '--json'],
    ]) {
      const r = run('node', args);
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ network: 'regtest', magic: regtestMagic, bech32: 'bcrt' });
    }
    expect(JSON.parse(run('node', ['params', '--json']).out).magic).toBe('c70f5e1d');
    // tx5 pays a P2WPKH output: its address is bcrt1… on regtest, gl1… on main.
    const v = readVector<{ hex: string }>('tx', 'tx5.json');
    const addresses = (args: string[]) => {
      const r = run('node', [...args, v.hex]);
      expect(r.code, r.err).toBe(0);
      return (JSON.parse(r.out).vout as { scriptPubKey: { address?: string } }[])
        .map((o) => o.scriptPubKey.address)
        .filter((a) => a !== undefined);
    };
    const onRegtest = addresses(['-n', 'regtest', 'decode-tx']);
    expect(
      onRegtest.some((a) => a.startsWith('bcrt1')),
      onRegtest.join(),
    ).toBe(true);
    expect(onRegtest.some((a) => a.startsWith('gl1'))).toBe(false);
    expect(addresses(['decode-tx']).some((a) => a.startsWith('gl1'))).toBe(true);
    expect(run('node', ['-n', 'moon', 'params']).code).toBe(2);
  });

  it('reports bad input in one line with exit 1, usage errors with exit 2', () => {
    const bad = run('node', ['decode-tx', '00ff']);
    expect(bad.code).toBe(1);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(bad.err).toMatch(/^gossip-node: invalid input/);
    expect(run('node', ['no-such-command']).code).toBe(2);
    expect(run('node', ['params', '--network', 'moon']).code).toBe(2);
  });
});

describe('gossip-wallet', () => {
  it('explains an address as JSON', () => {
    const r = run('wallet', [
      'address-info',
      'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080',
      '-n',
      'regtest',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      type: 'p2wpkh',
      scriptPubKey: '0014751e76e8199196d454941c45d1b3a323f1433bd6',
    });
  });

  it('refuses an address of another network with one clear line', () => {
    const r = run('wallet', ['address-info', 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080']);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('another network');
  });
});
