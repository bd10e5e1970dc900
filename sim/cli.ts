#!/usr/bin/env node
/**
 * `npm run sim -- <scenario> [--nodes N] [--hours H] [--seed S] [--out DIR]`: runs real nodes
 * on a virtual network (sim/network.ts) and writes report.jsonl, summary.md, propagation.svg
 * and run.json into DIR. Exit codes as the node's CLI: 0 done, 1 failure, 2 usage.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { runDhtScenario } from './dht-sim.js';
import { SIM_EPOCH_MS, type SimNetwork } from './network.js';
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
    ).join(
      '\n',
    )}\n  ${'dht'.padEnd(10)} provider lookups of the Kademlia DHT alone: 20% churn/h with 10% silent nodes, then 10% hostile ids (default 1000 nodes, 1 h)`,
  )
  .argument('<scenario>', [...SCENARIOS.map((s) => s.name), 'dht'].join(' | '))
  .option('--nodes <n>', 'number of nodes (scenario default)', num('--nodes'))
  .option('--hours <h>', 'simulated hours of load (scenario default)', num('--hours'))
  .option('--seed <s>', 'seed: the same seed gives the same report, byte for byte', '1')
  .option('--tx-rate <r>', 'payments per second (scenario default)', num('--tx-rate'))
  .option('--out <dir>', 'report directory (default sim-out/<scenario>)')
  .option('--json', 'print the summary as one JSON line instead of text')
  .option('--progress', 'print a line to stderr per simulated minute: wall time, memory, peers')
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
    progress?: boolean;
  }>();
  const out = o.out ?? `sim-out/${scenario}`;
  try {
    if (scenario === 'dht') return await dht(o, out);
    const report = await runScenario({
      scenario,
      out,
      seed: o.seed,
      nodes: o.nodes,
      hours: o.hours,
      txRate: o.txRate,
      ...(o.progress ? { progress: progressLine(Date.now()) } : {}),
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

/** Wall seconds, RSS, timers fired and outbound peers at each simulated minute (stderr). */
function progressLine(startedAt: number) {
  return (sim: SimNetwork) => {
    const c = sim.connectivity();
    const minute = (sim.now - SIM_EPOCH_MS) / 60_000;
    process.stderr.write(
      `sim: minute ${minute.toFixed(1)} wall ${((Date.now() - startedAt) / 1000).toFixed(1)} s rss ${Math.round(process.memoryUsage().rss / 1e6)} MB timers ${sim.clock.fired} full-outbound ${c.withFullOutbound}/${c.online}\n`,
    );
  };
}

/** The DHT scenario (sim/dht-sim.ts): its own figures, so its own lines. */
async function dht(
  o: { nodes?: number; hours?: number; seed: string; json?: boolean },
  out: string,
): Promise<number> {
  const nodes = o.nodes ?? 1000;
  const hours = o.hours ?? 1;
  if (!(Number.isInteger(nodes) && nodes >= 2))
    throw new SimUsageError(`--nodes must be an integer >= 2, got ${nodes}`);
  if (!(hours > 0)) throw new SimUsageError(`--hours must be > 0, got ${hours}`);
  const report = await runDhtScenario({ nodes, hours, seed: o.seed, out });
  if (o.json) console.log(JSON.stringify({ out, ...report }));
  else {
    console.log(`dht: ${nodes} nodes, ${hours} h of lookups, seed ${o.seed}`);
    for (const v of report.variants)
      console.log(
        `  ${v.variant.padEnd(8)} ${v.lookups} lookups, ${(v.successRate * 100).toFixed(2)}% found a live provider; first provider p50 ${v.firstProviderMs.p50} ms, p90 ${v.firstProviderMs.p90} ms; whole walk p90 ${v.latencyMs.p90} ms; at rest ${v.restBytesPerNodeHour.sent} B/node/h sent`,
      );
    console.log(`  report: ${out}/summary.md, ${out}/dht.jsonl, ${out}/lookup-latency.svg, ${out}/run.json`);
  }
  return 0;
}

process.exitCode = await main();
