/**
 * Connect rate of blocks whose transactions the mempool accepted first, as on a synced node
 * (Core's script-execution cache: such transactions need no script run at connect). The
 * connect bench's chain (connect-data.ts: 1,000 blocks of 100 one-in P2WPKH spends) is fed
 * block by block: the block's transactions to the mempool (untimed), then the block to the
 * chain (timed). Builds are compared side by side in one run, alternating, each run in a
 * fresh process: this tree with its script cache, this tree without it, and, when
 * BENCH_BASE names another checkout built with `npm run build`, that one. BENCH_BLOCKS scales
 * the spending blocks down (default 1,000), BENCH_ROUNDS sets runs per build (default 3).
 * One line per run, then per build the median inputs/s and its range, and the speedup of
 * this tree's cached median over each other build's.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadOrGenerate, SPEND_BLOCKS, TXS_PER_BLOCK } from './connect-data.js';
import { emit, REPO_ROOT } from './lib.js';

interface Variant {
  readonly name: string;
  readonly root: string;
  readonly mode: 'cache' | 'nocache';
}

interface RunResult {
  blocks: number;
  inputs: number;
  connectMs: number;
  acceptMs: number;
  workers: number;
  cached: boolean;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function run(): void {
  loadOrGenerate((m) => process.stderr.write(`${m}\n`));
  const data = join(REPO_ROOT, '.bench-data', `connect-${SPEND_BLOCKS}x${TXS_PER_BLOCK}.bin`);
  const blocks = Number(process.env.BENCH_BLOCKS ?? SPEND_BLOCKS);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const variants: Variant[] = [
    { name: 'head', root: REPO_ROOT, mode: 'cache' },
    { name: 'head-nocache', root: REPO_ROOT, mode: 'nocache' },
  ];
  if (process.env.BENCH_BASE) variants.push({ name: 'base', root: process.env.BENCH_BASE, mode: 'cache' });
  const child = join(REPO_ROOT, 'dist', 'bench', 'connect-mempool-child.js');
  const rates = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = 1; round <= rounds; round++) {
    // Alternating order within and across rounds, so drift in the machine's load hits all.
    const order = round % 2 === 1 ? variants : [...variants].reverse();
    for (const v of order) {
      const out = execFileSync(process.execPath, [child, v.root, data, String(blocks), v.mode], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const r = JSON.parse(out.trim().split('\n').pop()!) as RunResult;
      const inputsPerSec = Math.round((r.inputs * 1000) / r.connectMs);
      rates.get(v.name)!.push(inputsPerSec);
      emit('connect-mempool', {
        build: v.name,
        round,
        blocks: r.blocks,
        inputs: r.inputs,
        workers: r.workers,
        connectMs: Math.round(r.connectMs),
        inputsPerSec,
        mempoolAcceptMs: Math.round(r.acceptMs),
      });
    }
  }
  const head = median(rates.get('head')!);
  for (const v of variants) {
    const xs = rates.get(v.name)!;
    emit('connect-mempool-summary', {
      build: v.name,
      runs: xs.length,
      blocks,
      medianInputsPerSec: Math.round(median(xs)),
      minInputsPerSec: Math.min(...xs),
      maxInputsPerSec: Math.max(...xs),
      ...(v.name === 'head' ? { goalSpeedup: 2 } : { headSpeedup: Number((head / median(xs)).toFixed(2)) }),
    });
  }
}
