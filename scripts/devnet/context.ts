/**
 * What the steps share: the state directory, the nodes as they start, a client per node, the
 * wallet runner, the abort signal (Ctrl-C, --timeout, a node dying) and the output.
 */
import type { NodeClient } from './client.js';
import type { Miner } from './miner.js';
import type { Output } from './output.js';
import type { NodePorts } from './ports.js';
import type { Children, DevnetNode } from './processes.js';
import type { WalletCli } from './wallet.js';

export interface WalletInfo {
  name: string;
  file: string;
  address: string;
}

export interface Devnet {
  dir: string;
  password: string;
  layout: NodePorts[];
  blockIntervalMs: number;
  children: Children;
  wallet: WalletCli;
  /** Aborted by Ctrl-C, --timeout or a failure; its reason is the DevnetError that ended the run. */
  signal: AbortSignal;
  abort: AbortController;
  out: Output;
  /** Filled by the first step as each node is spawned, so every exit path can stop them. */
  nodes: DevnetNode[];
  clients: NodeClient[];
  /** Called for each node spawned: devnet watches it for an unexpected exit. */
  watch(node: DevnetNode): void;
  /** Ends the run with an error from outside a step (the miner failing). */
  fail(e: Error): void;
  alice?: WalletInfo;
  bob?: WalletInfo;
  miner?: Miner;
  paymentTxid?: string;
  anchorFile?: string;
  anchorProof?: string;
  /** The anchor's commitment; one file alone is its own commitment, so also its manifest id. */
  anchorId?: string;
}

export interface Step {
  /** Read as done after a check mark and as failed after a cross. */
  title: string;
  /** The node whose log explains a failure of this step, unless the error names one. */
  node?: number;
  /** Does the step; resolves to the detail lines printed under it. */
  run(d: Devnet): Promise<string[]>;
}

export function client(d: Devnet, index: number): NodeClient {
  return d.clients[index - 1]!;
}
