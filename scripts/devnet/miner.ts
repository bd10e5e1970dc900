/**
 * Node 1 as the devnet's miner: a block every `intervalMs` through regtest's generatetoaddress
 * RPC, for as long as devnet runs, so payments and anchors confirm by real mining and reach the
 * other nodes by real block relay. Each mined block that carries transactions is reported.
 */
import type { NodeClient } from './client.js';
import { DevnetError } from './errors.js';
import { errorText } from './output.js';
import { sleep } from './wait.js';

export interface MinedBlock {
  height: number;
  hash: string;
  /** Transactions besides the coinbase. */
  txs: number;
}

export interface MinerEvents {
  onBlock(b: MinedBlock): void;
  onError(e: Error): void;
}

export class Miner {
  private readonly stopper = new AbortController();
  private loop?: Promise<void>;
  private readonly client: NodeClient;
  private readonly address: string;
  private readonly intervalMs: number;
  private readonly events: MinerEvents;

  constructor(client: NodeClient, address: string, intervalMs: number, events: MinerEvents) {
    this.client = client;
    this.address = address;
    this.intervalMs = intervalMs;
    this.events = events;
  }

  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      try {
        await sleep(this.intervalMs, signal);
        const [hash] = await this.client.generate(1, this.address);
        if (signal.aborted || hash === undefined) return;
        const { height, txCount } = await this.client.block(hash);
        this.events.onBlock({ height, hash, txs: txCount - 1 });
      } catch (e) {
        // Stopping ends the sleep or the request in flight: that is no failure.
        if (!signal.aborted)
          this.events.onError(new DevnetError('NODE_ERROR', `mining on node 1 failed: ${errorText(e)}`, 1));
        return;
      }
    }
  }

  /** Ends the loop and waits for a request in flight, so the nodes are not stopped under it. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }
}
