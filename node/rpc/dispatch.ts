/**
 * From a method name and its params to a handler call, as Core's CRPCTable::execute: unknown
 * method -32601; named params (an object, as `bitcoin-cli -named` sends) mapped to positions by
 * the method's argument names, gaps filled with null, an unknown name -8 (transformNamedArguments);
 * too many or too few arguments -1 with the method's usage (RPCHelpMan's IsValidNumArgs); a
 * required argument that is null -3 "Wrong type passed" (RPCHelpMan::HandleRequest).
 */
import { RPC, RpcError } from './errors.js';
import { type MethodSpec, methodHelp } from './help.js';
import type { Executor, RpcHandler } from './jsonrpc.js';

function positional(spec: MethodSpec, named: Record<string, unknown>): unknown[] {
  const names = spec.args.map((x) => x.name);
  for (const k of Object.keys(named))
    if (!names.includes(k)) throw new RpcError(RPC.INVALID_PARAMETER, `Unknown named parameter ${k}`);
  const out: unknown[] = names.map((n) => (Object.hasOwn(named, n) ? named[n] : null));
  // Trailing gaps are dropped, so optional arguments stay absent rather than null.
  while (out.length > 0 && out[out.length - 1] === null && !Object.hasOwn(named, names[out.length - 1]!))
    out.pop();
  return out;
}

/** The calls running now, for getrpcinfo (Core's RPCServerInfo). */
export class ActiveCommands {
  private readonly running = new Map<number, { method: string; started: number }>();
  private seq = 0;
  active(): { method: string; duration: number }[] {
    const now = Date.now();
    // Core reports microseconds.
    return [...this.running.values()].map((r) => ({ method: r.method, duration: (now - r.started) * 1000 }));
  }
  async track<T>(method: string, run: () => Promise<T>): Promise<T> {
    const id = ++this.seq;
    this.running.set(id, { method, started: Date.now() });
    try {
      return await run();
    } finally {
      this.running.delete(id);
    }
  }
}

export function makeExecutor(
  handlers: Record<string, RpcHandler>,
  specs: Record<string, MethodSpec>,
  active: ActiveCommands = new ActiveCommands(),
): Executor {
  return async (method, params) => {
    const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
    const spec = Object.hasOwn(specs, method) ? specs[method] : undefined;
    if (!handler || !spec) throw new RpcError(RPC.METHOD_NOT_FOUND, 'Method not found');
    const args = Array.isArray(params) ? params : positional(spec, params);
    const required = spec.args.filter((x) => !x.optional).length;
    if (args.length > spec.args.length || args.length < required)
      throw new RpcError(RPC.MISC_ERROR, methodHelp(method, spec));
    // Core's RPCHelpMan type check: a required argument given as null (or left out by name).
    spec.args.forEach((a, i) => {
      if (!a.optional && (args[i] === null || args[i] === undefined)) {
        const type =
          a.type === 'hex'
            ? 'string'
            : a.type === 'numeric'
              ? 'number'
              : a.type === 'boolean'
                ? 'bool'
                : a.type;
        throw new RpcError(
          RPC.TYPE_ERROR,
          `Wrong type passed:\n{\n    "Position ${i + 1} (${a.name})": "JSON value of type null is not of expected type ${type}"\n}`,
        );
      }
    });
    return active.track(method, async () => handler(args));
  };
}
