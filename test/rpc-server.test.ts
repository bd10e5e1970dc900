/**
 * The JSON-RPC server as Bitcoin Core's httprpc.cpp / rpc/request.cpp (v27+) answers: the reply
 * rules of 1.0 and 2.0 (handleJsonRpc, with a fake method table), named parameters and argument
 * counts (makeExecutor), help, and over HTTP: the cookie, rpc-user/rpc-password and rpcauth
 * (hashed here by Python's hmac, as share/rpcauth/rpcauth.py does), 401/403/404/405, and
 * `/wallet/<name>` answering as `/`.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../node/log.js';
import { AllowIp } from '../node/rpc/allow-ip.js';
import { parseRpcAuth, RpcAuth, rpcAuthHash } from '../node/rpc/auth.js';
import { makeExecutor } from '../node/rpc/dispatch.js';
import { RPC, RpcError } from '../node/rpc/errors.js';
import { helpList, methodHelp, SPECS } from '../node/rpc/help.js';
import { type Executor, handleJsonRpc } from '../node/rpc/jsonrpc.js';
import { RpcServer } from '../node/rpc/server.js';
import { basicAuth, startTestNode, stopTestNodes } from './helpers/node.js';

afterEach(stopTestNodes);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A method table: echo returns its params, fail throws an RPC error, boom a plain Error. */
function fakeExec(calls: string[] = []): Executor {
  return async (method, params) => {
    calls.push(method);
    if (method === 'echo') return params;
    if (method === 'fail') throw new RpcError(RPC.INVALID_PARAMETER, 'bad thing');
    if (method === 'boom') throw new Error('disk on fire');
    throw new RpcError(RPC.METHOD_NOT_FOUND, 'Method not found');
  };
}

async function reply(body: string, exec = fakeExec()): Promise<[number, unknown]> {
  const r = await handleJsonRpc(body, exec);
  return [r.status, r.body === undefined ? undefined : JSON.parse(r.body)];
}

describe('JSON-RPC replies as Core', () => {
  it('answers unreadable bodies in the legacy form with HTTP 500 and id null', async () => {
    const parse = { result: null, error: { code: -32700, message: 'Parse error' }, id: null };
    for (const body of ['{', '', 'nul', '\u0000']) expect(await reply(body)).toEqual([500, parse]);
    const top = { result: null, error: { code: -32700, message: 'Top-level object parse error' }, id: null };
    for (const body of ['42', '"x"', 'null', 'true']) expect(await reply(body), body).toEqual([500, top]);
  });

  it('legacy: result and error both present, id only if sent, HTTP 400/404/500 for a lone failure', async () => {
    expect(await reply('{"id":1,"method":"echo","params":[2]}')).toEqual([
      200,
      { result: [2], error: null, id: 1 },
    ]);
    expect(await reply('{"method":"echo"}')).toEqual([200, { result: [], error: null }]);
    expect(await reply('{"version":"1.1","id":"x","method":"fail"}')).toEqual([
      500,
      { result: null, error: { code: -8, message: 'bad thing' }, id: 'x' },
    ]);
    expect(await reply('{"id":2,"method":"nope"}')).toEqual([
      404,
      { result: null, error: { code: -32601, message: 'Method not found' }, id: 2 },
    ]);
    expect(await reply('{"id":3,"method":"boom"}')).toEqual([
      500,
      { result: null, error: { code: -1, message: 'disk on fire' }, id: 3 },
    ]);
    const invalid = (message: string, id: unknown = 4) => [
      400,
      { result: null, error: { code: -32600, message }, id },
    ];
    expect(await reply('{"id":4}')).toEqual(invalid('Missing method'));
    expect(await reply('{"id":4,"method":5}')).toEqual(invalid('Method must be a string'));
    expect(await reply('{"id":4,"method":"echo","params":"x"}')).toEqual(
      invalid('Params must be an array or object'),
    );
    expect(await reply('{"id":4,"method":"echo","params":7}')).toEqual(
      invalid('Params must be an array or object'),
    );
    expect(await reply('{"id":4,"jsonrpc":2,"method":"echo"}')).toEqual(
      invalid('jsonrpc field must be a string'),
    );
    expect(await reply('{"id":4,"jsonrpc":"1.1","method":"echo"}')).toEqual(
      invalid('JSON-RPC version not supported'),
    );
    // Named parameters reach the method as an object.
    expect(await reply('{"id":5,"method":"echo","params":{"a":1}}')).toEqual([
      200,
      { result: { a: 1 }, error: null, id: 5 },
    ]);
  });

  it('2.0: result xor error, errors in a 200, notifications run and get 204 with no body', async () => {
    expect(await reply('{"jsonrpc":"2.0","id":1,"method":"echo"}')).toEqual([
      200,
      { jsonrpc: '2.0', result: [], id: 1 },
    ]);
    expect(await reply('{"jsonrpc":"2.0","id":1,"method":"fail"}')).toEqual([
      200,
      { jsonrpc: '2.0', error: { code: -8, message: 'bad thing' }, id: 1 },
    ]);
    expect(await reply('{"jsonrpc":"2.0","id":1,"method":"boom"}')).toEqual([
      200,
      { jsonrpc: '2.0', error: { code: -1, message: 'disk on fire' }, id: 1 },
    ]);
    const calls: string[] = [];
    expect(await reply('{"jsonrpc":"2.0","method":"echo"}', fakeExec(calls))).toEqual([204, undefined]);
    expect(await reply('{"jsonrpc":"2.0","method":"fail"}', fakeExec(calls))).toEqual([204, undefined]);
    expect(calls).toEqual(['echo', 'fail']);
    // "id": null is an id: not a notification.
    expect(await reply('{"jsonrpc":"2.0","id":null,"method":"echo"}')).toEqual([
      200,
      { jsonrpc: '2.0', result: [], id: null },
    ]);
    // A request Core cannot parse fails before its catch: HTTP 400, in the version it asked for.
    expect(await reply('{"jsonrpc":"2.0","id":9}')).toEqual([
      400,
      { jsonrpc: '2.0', error: { code: -32600, message: 'Missing method' }, id: 9 },
    ]);
  });

  it('batches: always 200, each reply in its own version, notifications dropped', async () => {
    const [status, body] = await reply(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'echo' },
        { id: 2, method: 'fail' },
        { jsonrpc: '2.0', method: 'echo' },
        { jsonrpc: '2.0', id: 7, method: 'nope' },
        // Core reuses one request object: a non-object answers with the id and version before it.
        42,
      ]),
    );
    expect(status).toBe(200);
    expect(body).toEqual([
      { jsonrpc: '2.0', result: [], id: 1 },
      { result: null, error: { code: -8, message: 'bad thing' }, id: 2 },
      { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: 7 },
      { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request object' }, id: 7 },
    ]);
    expect(await reply('[]')).toEqual([200, []]);
    expect(await reply('[{"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"2.0","method":"x"}]')).toEqual([
      204,
      undefined,
    ]);
    expect(await reply('[1]')).toEqual([
      200,
      [{ result: null, error: { code: -32600, message: 'Invalid Request object' }, id: null }],
    ]);
  });
});

describe('arguments and help', () => {
  const exec = makeExecutor(
    { getblock: async (p) => p, help: async () => 'h' },
    { getblock: SPECS.getblock!, help: SPECS.help! },
  );
  const code = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      return [(e as RpcError).code, (e as RpcError).message];
    }
    throw new Error('no error');
  };

  it('maps named parameters by name, fills gaps with null, refuses unknown names (-8)', async () => {
    expect(await exec('getblock', { blockhash: 'h', verbosity: 2 })).toEqual(['h', 2]);
    expect(await exec('getblock', { verbosity: 0, blockhash: 'h' })).toEqual(['h', 0]);
    expect(await exec('getblock', { blockhash: 'h' })).toEqual(['h']);
    expect(await code(exec('getblock', { blockhash: 'h', verbose: 1 }))).toEqual([
      -8,
      'Unknown named parameter verbose',
    ]);
    expect((await code(exec('nosuch', [])))[0]).toBe(-32601);
    expect((await code(exec('__proto__', [])))[0]).toBe(-32601);
  });

  it('answers too many or too few arguments with -1 and the usage, as Core', async () => {
    const [c, message] = await code(exec('getblock', []));
    expect(c).toBe(-1);
    expect(message).toMatch(/^getblock "blockhash" \( verbosity \)\n/);
    expect((await code(exec('getblock', ['a', 1, 2])))[0]).toBe(-1);
    // Left out by name, or null: Core's type check (-3).
    expect(await code(exec('getblock', { verbosity: 1 }))).toEqual([
      -3,
      'Wrong type passed:\n{\n    "Position 1 (blockhash)": "JSON value of type null is not of expected type string"\n}',
    ]);
    expect((await code(exec('getblock', [null])))[0]).toBe(-3);
  });

  it('lists methods by category and explains one', () => {
    const list = helpList(['getblock', 'stop', 'getpeerinfo', 'unknown']);
    expect(list).toBe(
      '== Blockchain ==\ngetblock "blockhash" ( verbosity )\n\n== Control ==\nstop\n\n== Network ==\ngetpeerinfo',
    );
    const one = methodHelp('gettxout', SPECS.gettxout!);
    expect(one.split('\n')[0]).toBe('gettxout "txid" n ( include_mempool )');
    expect(one).toContain('Arguments:\n1. txid               (string, required) The transaction id');
    expect(one).toContain('3. include_mempool    (boolean, optional)');
  });
});

describe('authentication and access', () => {
  it("checks rpcauth entries exactly as rpcauth.py writes them, and user/password in Core's form", () => {
    // rpcauth.py: salt = 16 random bytes as hex; hmac.new(salt.encode(), password.encode(), 'SHA256').
    const salt = 'cb77f0957de88ff388cf817ddbc7273';
    const hmac = execFileSync('/usr/bin/python3', [
      '-c',
      'import hmac,sys; print(hmac.new(sys.argv[1].encode("utf-8"), sys.argv[2].encode("utf-8"), "SHA256").hexdigest())',
      salt,
      'pässwörd',
    ])
      .toString()
      .trim();
    expect(rpcAuthHash(salt, 'pässwörd')).toBe(hmac);
    const auth = new RpcAuth({
      datadir: '/nonexistent',
      user: 'op',
      password: 'secret',
      rpcauth: [`alice:${salt}$${hmac}`],
    });
    expect(auth.path).toBeUndefined();
    expect(auth.check(basicAuth('alice:pässwörd'))).toBe('alice');
    expect(auth.check(basicAuth('op:secret'))).toBe('op');
    for (const bad of ['alice:password', 'bob:pässwörd', 'op:Secret', 'op', '', ':'])
      expect(auth.check(basicAuth(bad)), bad).toBeUndefined();
    expect(auth.check('Bearer x')).toBeUndefined();
    expect(auth.check(undefined)).toBeUndefined();
    expect(parseRpcAuth(`u:s$${'AB'.repeat(32)}`)).toEqual({ user: 'u', salt: 's', hash: 'ab'.repeat(32) });
    expect(() => parseRpcAuth('u:s$ab')).toThrow(/64 hex digits/);
  });

  it('allows loopback always and the rpc-allow-ip subnets besides', () => {
    const loop = new AllowIp();
    for (const ip of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'])
      expect(loop.allows(ip), ip).toBe(true);
    for (const ip of ['10.1.2.3', '192.168.0.1', '::ffff:10.1.2.3', 'fd00::1', undefined, 'junk'])
      expect(loop.allows(ip), String(ip)).toBe(false);
    const lan = new AllowIp(['10.0.0.0/8', 'fd00::/8', '192.168.1.7']);
    for (const ip of ['10.1.2.3', '::ffff:10.255.0.1', 'fd00::1', '192.168.1.7'])
      expect(lan.allows(ip), ip).toBe(true);
    for (const ip of ['11.0.0.1', '192.168.1.8', 'fe80::1']) expect(lan.allows(ip), ip).toBe(false);
  });

  it('answers a client outside the allowed addresses 403 before anything', { timeout: 60_000 }, async () => {
    const server = await RpcServer.start({
      host: '127.0.0.1',
      port: 0,
      auth: { check: () => 'anyone' },
      allow: { allows: () => false },
      exec: fakeExec(),
      log: createLogger('silent'),
    });
    try {
      const res = await fetch(`${server.url}/`, { method: 'POST', body: '{"method":"echo"}' });
      expect(res.status).toBe(403);
    } finally {
      await server.stop();
    }
  });

  it('serves / and /wallet/<name>; 404 elsewhere, 405 for GET, 401 without or with wrong credentials', {
    timeout: 120_000,
  }, async () => {
    const t = await startTestNode();
    const call = (path: string, init: RequestInit = {}) =>
      fetch(`${t.rpcUrl}${path}`, {
        method: 'POST',
        headers: { authorization: basicAuth(t.cookie) },
        body: '{"jsonrpc":"2.0","id":1,"method":"getblockcount"}',
        ...init,
      });
    expect(await (await call('/')).json()).toEqual({ jsonrpc: '2.0', result: 0, id: 1 });
    expect(await (await call('/wallet/w1')).json()).toEqual({ jsonrpc: '2.0', result: 0, id: 1 });
    expect(await (await call('/wallet/')).json()).toEqual({ jsonrpc: '2.0', result: 0, id: 1 });
    expect((await call('/rpc')).status).toBe(404);
    expect((await call('/wallet/a/b')).status).toBe(404);
    const get = await call('/', { method: 'GET', body: undefined });
    expect([get.status, await get.text()]).toEqual([405, 'JSONRPC server handles only POST requests']);
    const none = await call('/', { headers: {} });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="jsonrpc"');
    expect((await call('/', { headers: { authorization: basicAuth('__cookie__:00') } })).status).toBe(401);
    // A body announced over 32 MB is refused before it is read (raw socket: fetch would not send it).
    const { hostname, port } = new URL(t.rpcUrl);
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      answer += d;
    });
    await once(socket, 'connect');
    socket.write(
      `POST / HTTP/1.1\r\nHost: x\r\nAuthorization: ${basicAuth(t.cookie)}\r\nContent-Length: ${33 * 1024 * 1024}\r\n\r\n{`,
    );
    await once(socket, 'close');
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(await (await call('/')).json()).toEqual({ jsonrpc: '2.0', result: 0, id: 1 });
    // The explorer port has no RPC.
    const old = await fetch(`${t.url}/rpc`, {
      method: 'POST',
      headers: { authorization: basicAuth(t.cookie) },
      body: '{}',
    });
    expect(old.status).toBe(404);
  });

  it('writes the cookie where rpc-cookie-file says; with rpc-password, no cookie at all', {
    timeout: 120_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gl-rpc-auth-'));
    dirs.push(dir);
    const cookieFile = join(dir, 'elsewhere.cookie');
    const a = await startTestNode({ rpcCookieFile: cookieFile });
    expect(readFileSync(cookieFile, 'utf8')).toMatch(/^__cookie__:[0-9a-f]{64}$/);
    expect(statSync(cookieFile).mode & 0o777).toBe(0o600);
    expect(existsSync(join(a.datadir, '.cookie'))).toBe(false);
    await a.node.stop();
    expect(existsSync(cookieFile), 'removed at stop').toBe(false);
    // A relative rpc-cookie-file is taken from the data dir, as Core's -rpccookiefile.
    const rel = await startTestNode({ rpcCookieFile: 'sub.cookie' });
    expect(readFileSync(join(rel.datadir, 'sub.cookie'), 'utf8')).toBe(rel.cookie);

    const salt = 'aa';
    const b = await startTestNode({
      rpcUser: 'op',
      rpcPassword: 'pw',
      rpcAuth: [`ro:${salt}$${rpcAuthHash(salt, 'x')}`],
    });
    expect(existsSync(join(b.datadir, '.cookie'))).toBe(false);
    const post = (auth: string) =>
      fetch(`${b.rpcUrl}/`, {
        method: 'POST',
        headers: { authorization: basicAuth(auth) },
        body: '{"method":"getblockcount"}',
      });
    expect(await (await post('op:pw')).json()).toEqual({ result: 0, error: null });
    expect(await (await post('ro:x')).json()).toEqual({ result: 0, error: null });
    expect((await post('op:x')).status).toBe(401);
  });
});
