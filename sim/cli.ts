#!/usr/bin/env node
/**
 * `npm run sim -- <scenario> [--nodes N] [--hours H] [--seed S] [--out DIR]`: runs real nodes
 * on a virtual network (sim/network.ts) and writes report.jsonl, summary.md, propagation.svg
 * and run.json into DIR. Exit codes as the node's CLI: 0 done, 1 failure, 2 usage.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { runScenario, SimUsageError } from './run.js';
import { SCENARIOS } from './scenarios/index.js';

const num = (what: string) => (v: string) => {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new InvalidArgumentError(`${what} must be a number`);
  return x;
};

const program = new Command()
  .name('sim')
  .description(
    `Simulates a network of unmodified gossip-ledger nodes on a virtual clock.\n\nScenarios:\n${SCENARIOS.map(
      (s) => `  ${s.name.padEnd(10)} ${s.summary} (default ${s.defaults.nodes} nodes, ${s.defaults.hours} h)`,
    ).join('\n')}`,
  )
  .argument('<scenario>', SCENARIOS.map((s) => s.name).join(' | '))
  .option('--nodes <n>', 'number of nodes (scenario default)', num('--nodes'))
  .option('--hours <h>', 'simulated hours of load (scenario default)', num('--hours'))
  .option('--seed <s>', 'seed: the same seed gives the same report, byte for byte', '1')
  .option('--tx-rate <r>', 'payments per second (scenario default)', num('--tx-rate'))
  .option('--out <dir>', 'report directory (default sim-out/<scenario>)')
  .option('--json', 'print the summary as one JSON line instead of text')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

async function main(): Promise<number> {
  try {
    program.parse();
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const [scenario] = program.args as [string];
  const o = program.opts<{
    nodes?: number;
    hours?: number;
    seed: string;
    txRate?: number;
    out?: string;
    json?: boolean;
  }>();
  const out = o.out ?? `sim-out/${scenario}`;
  try {
    const report = await runScenario({
      scenario,
      out,
      seed: o.seed,
      nodes: o.nodes,
      hours: o.hours,
      txRate: o.txRate,
    });
    if (o.json) console.log(JSON.stringify({ out, ...report }));
    else {
      const s = report.summary;
      const b = s.blockReachMs;
      const t = s.txReachMs;
      console.log(
        `${scenario}: ${report.info.nodes} nodes, ${report.info.hours} h, seed ${report.info.seed}`,
      );
      console.log(
        `  blocks ${s.blocks} (stale ${s.staleBlocks}); to 90% of nodes p50 ${b['90%']!.p50} ms, to 100% p50 ${b['100%']!.p50} ms`,
      );
      console.log(
        `  txs ${s.txs}; to 99% of nodes p50 ${t['99%']!.p50} ms; reached every node: ${s.txsReachedAll}`,
      );
      console.log(`  all nodes on one tip: ${s.sameTipAtEnd ? 'yes' : 'no'}`);
      const c = s.peersAtEnd;
      console.log(
        `  peers at the end: ${c.withPeers} of ${c.online} nodes connected, ${c.withFullOutbound} with 8 outbound`,
      );
      console.log(
        `  report: ${out}/summary.md, ${out}/report.jsonl, ${out}/propagation.svg, ${out}/run.json`,
      );
    }
    return 0;
  } catch (e) {
    if (e instanceof SimUsageError) {
      console.error(`sim: ${e.message}`);
      return 2;
    }
    console.error(`sim: failed: ${(e as Error).message}`);
    return 1;
  }
}

process.exitCode = await main();
