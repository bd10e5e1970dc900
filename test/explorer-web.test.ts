/**
 * The explorer web page (issue 5, "The web page at /") in a real browser: Debian's Chromium via
 * playwright-core against an in-process regtest node holding 102 blocks, a confirmed payment
 * (P2WPKH, P2PKH and OP_RETURN outputs) and an unconfirmed spend of it. The home page lists the
 * blocks, searching a txid opens its page with its outputs, an address page shows its balance,
 * deep links survive a reload, the tip moves live (pushed over /api/v1/events, no polling, no
 * reload), unknown items say "not found", data never becomes markup, the page's files carry the
 * cache headers they should, and an anchor's page says who holds the file (this node, connected
 * peers that announced it) and links to its bytes. Screenshots go to test-artifacts/explorer-web/.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anchorScript, buildCommitment } from '../node/anchors/commitment.js';
import { digestBytes, makeManifest } from '../node/anchors/manifest.js';
import { manifestId } from '../node/anchors/manifest-codec.js';
import { blockLinkFromBlock, formatProof, newProof, withBlock } from '../node/anchors/proof.js';
import { encodeAddress } from '../node/protocol/address.js';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { blockHashFromDisplay } from '../node/protocol/ids.js';
import { regtest } from '../node/protocol/params.js';
import { nullData, p2tr } from '../node/protocol/script/templates.js';
import { OutPoint, Tx, TxOut } from '../node/protocol/tx.js';
import { launchBrowser, openPage, screenshot, type WatchedPage } from './helpers/browser.js';
import { payTo, signedSpend, testKey } from './helpers/keys.js';
import { startTestNode, stopTestNodes, type TestNode } from './helpers/node.js';

const SUBSIDY = 5_000_000_000n;
const MINER = testKey('explorer-web miner');
const PAYEE = testKey('explorer-web payee');
const OTHER = testKey('explorer-web other');
const MINER_ADDR = encodeAddress(MINER.p2wpkh, regtest.address)!;
const PAYEE_ADDR = encodeAddress(PAYEE.p2wpkh, regtest.address)!;
const PAYEE_LEGACY = encodeAddress(PAYEE.p2pkh, regtest.address)!;
const PAID = 1_234_567_891n; // 12.34567891 coins: every decimal digit matters
const SHOTS = 'explorer-web';
// encodeQr('bitcoin:bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'), one hex number per row.
const QR_GOLDEN = [
  '1fcacfe7f',
  '1043f9441',
  '1759acd5d',
  '17565045d',
  '175724b5d',
  '105270841',
  '1fd55557f',
  '001f60e00',
  '17c1f947c',
  '112a577e1',
  '0e5e2417e',
  '1eb773c9d',
  '00ea25419',
  '1b2afaec5',
  '15600c57e',
  '1a3b14d6d',
  '0f40db2b8',
  '14258a64f',
  '1c64b8906',
  '140a1df3f',
  '19e131490',
  '1398eea45',
  '14e8f4c02',
  '1409a4c6c',
  '105aa81fa',
  '001413f17',
  '1fc0a4758',
  '105ef0f1d',
  '1759a75f0',
  '1757b2ebf',
  '175180940',
  '104855a1c',
  '1fd2091d2',
];

let t: TestNode;
let browser: Browser;
let pay: Tx; // confirmed at height 102
let spend: Tx; // in the mempool, spends pay:0
const opened: WatchedPage[] = [];

async function page(options?: Parameters<typeof openPage>[1]): Promise<Page> {
  const watched = await openPage(browser, options);
  opened.push(watched);
  return watched.page;
}

async function coinbaseAt(height: number): Promise<Tx> {
  const hash = await t.rpc<string>('getblockhash', [height]);
  const block = await t.rpc<{ tx: { hex: string }[] }>('getblock', [hash, 2]);
  return Tx.fromBytes(fromHex(block.tx[0]!.hex));
}

async function send(tx: Tx): Promise<void> {
  expect(await t.rpc('sendrawtransaction', [toHex(tx.toBytes())])).toBe(tx.txidHex());
}

/** Text of the element, once it exists. */
async function text(p: Page, selector: string): Promise<string> {
  return (await p.locator(selector).first().textContent()) ?? '';
}

beforeAll(async () => {
  t = await startTestNode();
  await t.rpc('generatetoaddress', [101, MINER_ADDR]);
  const cb1 = await coinbaseAt(1);
  const fee = 10_000n;
  pay = signedSpend(
    [{ prevout: new OutPoint(cb1.txid(), 0), value: SUBSIDY, key: MINER }],
    [
      payTo(PAYEE, PAID),
      new TxOut(100_000_000n, PAYEE.p2pkh),
      new TxOut(0n, nullData(new TextEncoder().encode('gossip-ledger explorer test'))),
      new TxOut(SUBSIDY - PAID - 100_000_000n - fee, MINER.p2wpkh),
    ],
  );
  await send(pay);
  await t.rpc('generatetoaddress', [1, MINER_ADDR]);
  spend = signedSpend(
    [{ prevout: new OutPoint(pay.txid(), 0), value: PAID, key: PAYEE }],
    [payTo(OTHER, 200_000_000n), payTo(PAYEE, PAID - 200_000_000n - 5_000n)],
  );
  await send(spend);
  browser = await launchBrowser();
});

let fileDir: string | undefined;
let closedUpTo = 0;

// A test's pages close when it ends (their errors stay in `opened` for the last test): left
// open, every earlier page re-rendered on each of the node's later pushes (a block, a mempool
// change), and each test ran slower than the one before it.
afterEach(async () => {
  for (; closedUpTo < opened.length; closedUpTo++) await opened[closedUpTo]!.page.context().close();
});

afterAll(async () => {
  await browser?.close();
  await stopTestNodes();
  if (fileDir) await rm(fileDir, { recursive: true, force: true });
});

/** Polls `cond` until true; the message names what never happened. */
async function until(what: string, cond: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface AnchoredFile {
  id: string;
  path: string;
  text: string;
}

/**
 * Anchors `text` as a file of 1 KiB chunks, one commitment per transaction spending the coinbase
 * at `height`, and writes the file and its proof (completed by `link` once mined) into fileDir.
 */
function anchorTx(text: string, height: number, cb: Tx) {
  const data = new TextEncoder().encode(text);
  const digest = digestBytes(data, { chunkSize: 1024, keepChunkHashes: true });
  const manifest = makeManifest(`anchored-${height}.txt`, digest);
  const c = buildCommitment([manifestId(manifest)]);
  const tx = signedSpend(
    [{ prevout: new OutPoint(cb.txid(), 0), value: SUBSIDY, key: MINER }],
    [new TxOut(0n, anchorScript(c.commitment)), payTo(MINER, SUBSIDY - 20_000n)],
  );
  const proof = newProof({
    network: 'regtest',
    manifest,
    chunkHashes: digest.chunkHashes!,
    commitment: c.commitment,
    path: c.paths[0]!,
    tx,
    vout: 0,
  });
  return { tx, proof, id: toHex(c.commitment), data };
}

describe('explorer web page', () => {
  it('home lists the latest blocks and the mempool', async () => {
    const p = await page();
    await p.goto(`${t.url}/`);
    await p.locator('table.blocks tbody tr').nth(9).waitFor();
    const heights = await p
      .locator('table.blocks tbody tr')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-height'))));
    expect(heights).toEqual([102, 101, 100, 99, 98, 97, 96, 95, 94, 93]);
    const tipHash = await t.rpc<string>('getbestblockhash');
    expect(await p.locator('table.blocks tbody tr').first().locator('a.hash-link').getAttribute('href')).toBe(
      `/block/${tipHash}`,
    );
    expect(await text(p, '#tip-height')).toBe('#102');
    expect(await text(p, 'table.mempool')).toContain(spend.txidHex());
    expect(await text(p, '#stat-mempool')).toContain('1 tx');
    // Issue 20: fee recommendations and the projected next block (the one mempool tx).
    await p.locator('#projected-blocks .projected-block').first().waitFor();
    expect(await p.locator('#projected-blocks .projected-block').count()).toBe(1);
    expect(await text(p, '#projected-blocks')).toContain('1 tx');
    for (const id of ['#fee-fastest', '#fee-halfhour', '#fee-hour', '#fee-economy', '#fee-minimum'])
      expect(await text(p, id)).toContain('1.0 sat/vB');
    await screenshot(p, SHOTS, 'home');
  });

  it('searching a txid opens its page with its outputs, spends and status', async () => {
    const p = await page();
    await p.goto(`${t.url}/`);
    await p.locator('table.blocks').waitFor();
    await p.fill('#search-input', pay.txidHex());
    await p.press('#search-input', 'Enter');
    await p.waitForURL(`${t.url}/tx/${pay.txidHex()}`);
    await p.locator('ol.outputs > li').nth(3).waitFor();
    const rows = await p.locator('ol.outputs > li').allTextContents();
    expect(rows[0]).toContain(PAYEE_ADDR);
    expect(rows[0]).toContain('12.34567891');
    expect(rows[0]).toContain(`spent by ${spend.txidHex().slice(0, 8)}…`);
    expect(rows[1]).toContain(PAYEE_LEGACY);
    expect(rows[1]).toContain('1.00000000');
    expect(rows[1]).toContain('Unspent');
    expect(rows[2]).toContain('OP_RETURN');
    expect(rows[2]).toContain('unspendable');
    expect(rows[3]).toContain('36.65422109');
    expect(await text(p, '#tx-status')).toBe('1 confirmation');
    expect(await text(p, 'ol.inputs')).toContain('50.00000000');
    expect(await text(p, '.fields')).toContain('0.00010000');
    await screenshot(p, SHOTS, 'tx');

    // A deep link survives a reload; following "spent by" reaches the unconfirmed spend.
    await p.reload();
    await p.locator('ol.outputs > li').first().waitFor();
    expect(await text(p, 'ol.outputs > li')).toContain(PAYEE_ADDR);
    await p.locator('ol.outputs > li').first().locator('.spent a').click();
    await p.waitForURL(`${t.url}/tx/${spend.txidHex()}`);
    await p.locator('.page-id', { hasText: spend.txidHex() }).waitFor();
    expect(await text(p, '#tx-status')).toBe('Unconfirmed');
    await p.goBack();
    await p.waitForURL(`${t.url}/tx/${pay.txidHex()}`);
    await p.locator('.page-id', { hasText: pay.txidHex() }).waitFor();
    expect(await p.locator('ol.outputs > li').count()).toBe(4);
  });

  it('an address page shows its confirmed and unconfirmed balance and history', async () => {
    const p = await page();
    await p.goto(`${t.url}/`);
    await p.locator('table.blocks').waitFor();
    await p.fill('#search-input', PAYEE_ADDR);
    await p.press('#search-input', 'Enter');
    await p.waitForURL(`${t.url}/address/${PAYEE_ADDR}`);
    await p.locator('#balance-confirmed').waitFor();
    expect(await text(p, '#balance-confirmed')).toContain('12.34567891');
    expect(await text(p, '#balance-unconfirmed')).toContain('-2.00005000');
    expect(await text(p, '#balance-total')).toContain('10.34562891');
    const cards = await p
      .locator('.txcard')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-txid')));
    expect(cards).toEqual([spend.txidHex(), pay.txidHex()]);
    expect(await text(p, `.txcard[data-txid="${pay.txidHex()}"] footer`)).toContain('+12.34567891');
    await screenshot(p, SHOTS, 'address');
  });

  it('block pages: by height, header fields and the block transactions', async () => {
    const p = await page();
    const hash = await t.rpc<string>('getblockhash', [102]);
    await p.goto(`${t.url}/block-height/102`);
    await p.waitForURL(`${t.url}/block/${hash}`);
    await p.locator('.txcard').nth(1).waitFor();
    expect(await p.locator('.txcard').count()).toBe(2);
    expect(await text(p, '.page-head h1')).toContain('Block 102');
    expect(await text(p, '.fields')).toContain('1 confirmation');
    expect(await p.locator('.txcard').nth(1).getAttribute('data-txid')).toBe(pay.txidHex());
    // Issue 20: the block's fees (one tx paying 10,000 units), subsidy and reward.
    expect(await text(p, '#block-fees')).toContain('0.00010000');
    expect(await text(p, '#block-subsidy')).toContain('50.00000000');
    expect(await text(p, '#block-reward')).toContain('50.00010000');
    const rate = `${(10_000 / (pay.weight() / 4)).toFixed(2)} sat/vB`;
    expect(await text(p, '#block-median-fee')).toBe(rate);
    expect(await text(p, '#block-fee-range')).toBe(`${rate} – ${rate}`);
    await screenshot(p, SHOTS, 'block');
    // Searching a height goes to that block.
    await p.fill('#search-input', '1');
    await p.press('#search-input', 'Enter');
    const hash1 = await t.rpc<string>('getblockhash', [1]);
    await p.waitForURL(`${t.url}/block/${hash1}`);
    await p.locator('.page-id', { hasText: hash1 }).waitFor();
    expect(await text(p, '.page-head h1')).toMatch(/^Block 1\D/);
  });

  it('a tx page shows SegWit, Taproot and RBF badges for what the tx uses', async () => {
    const p = await page();
    await p.goto(`${t.url}/tx/${pay.txidHex()}`);
    await p.locator('#tx-features').waitFor();
    // A P2WPKH spend with final sequences: SegWit only.
    expect(await p.locator('#tx-features .badge').allTextContents()).toEqual(['SegWit']);
    const cb = await coinbaseAt(2);
    const taproot = signedSpend(
      [{ prevout: new OutPoint(cb.txid(), 0), value: SUBSIDY, key: MINER, sequence: 0xfffffffd }],
      [new TxOut(SUBSIDY - 10_000n, p2tr(new Uint8Array(32).fill(7)))],
    );
    await send(taproot);
    await p.goto(`${t.url}/tx/${taproot.txidHex()}`);
    await p.locator('.page-id', { hasText: taproot.txidHex() }).waitFor();
    await p.locator('#tx-features').waitFor();
    expect(await p.locator('#tx-features .badge').allTextContents()).toEqual(['SegWit', 'Taproot', 'RBF']);
    // A coinbase uses none of them.
    await p.goto(`${t.url}/tx/${cb.txidHex()}`);
    await p.locator('.page-id', { hasText: cb.txidHex() }).waitFor();
    expect(await p.locator('#tx-features').count()).toBe(0);
    await screenshot(p, SHOTS, 'tx-coinbase');
  });

  it('a mempool tx page shows its CPFP rate, when it should be mined, and its raw hex', async () => {
    // Issue 20: a parent paying about 1.4 sat/vB lifted by a child paying 20,000 units.
    const change = SUBSIDY - PAID - 100_000_000n - 10_000n; // pay:3, the miner's change
    const parent = signedSpend(
      [{ prevout: new OutPoint(pay.txid(), 3), value: change, key: MINER }],
      [payTo(MINER, change - 150n)],
    );
    const child = signedSpend(
      [{ prevout: new OutPoint(parent.txid(), 0), value: change - 150n, key: MINER }],
      [payTo(MINER, change - 150n - 20_000n)],
    );
    await send(parent);
    await send(child);
    const own = 150 / Math.ceil(parent.weight() / 4);
    // The projection is rebuilt at most every 2 s; wait until it has the package.
    let effective = 0;
    await until('the projection lifts the parent', async () => {
      const r = await fetch(`${t.url}/api/v1/cpfp/${parent.txidHex()}`);
      effective = ((await r.json()) as { effectiveFeePerVsize: number }).effectiveFeePerVsize;
      return effective > own * 2;
    });
    const p = await page();
    await p.goto(`${t.url}/tx/${parent.txidHex()}`);
    await p.locator('#tx-effective-rate').waitFor();
    expect(await text(p, '#tx-effective-rate')).toBe(
      `${effective.toFixed(2)} sat/vB (CPFP: mined with 1 related transaction)`,
    );
    expect(await text(p, '#tx-eta')).toBe('in about 1 block (the next one)');
    // The raw bytes, loaded when the panel is opened.
    expect(await p.locator('#tx-hex-text').textContent()).toBe('');
    await p.locator('#tx-hex summary').click();
    await p.locator('#tx-hex-text[data-loaded]').waitFor();
    expect(await text(p, '#tx-hex-text')).toBe(toHex(parent.toBytes()));
    await screenshot(p, SHOTS, 'tx-cpfp');
    // The child is mined at the same package rate, below its own. A confirmed tx has neither figure.
    await p.goto(`${t.url}/tx/${child.txidHex()}`);
    await p.locator('.page-id', { hasText: child.txidHex() }).waitFor();
    await p.locator('#tx-effective-rate').waitFor();
    expect(await text(p, '#tx-effective-rate')).toBe(
      `${effective.toFixed(2)} sat/vB (CPFP: mined with 1 related transaction)`,
    );
    await p.goto(`${t.url}/tx/${pay.txidHex()}`);
    await p.locator('.page-id', { hasText: pay.txidHex() }).waitFor();
    await p.locator('ol.outputs').waitFor();
    expect(await p.locator('#tx-effective-rate, #tx-eta').count()).toBe(0);
    // Where a rate falls among projected blocks (each block's cheapest rate is feeRange[0]).
    const html = await (await fetch(`${t.url}/`)).text();
    const base = html.match(/src="(\/static\/[0-9a-f]{16})\/app\.js"/)![1];
    const etas = await p.evaluate(
      `import('${base}/views/tx.js').then((m) => {
        const b = (min, vsize = 999000) => ({ feeRange: [min, min + 5], blockVSize: vsize });
        const blocks = [b(40), b(12), b(3, 2500000)];
        return [50, 40, 39.99, 12, 5, 3, 1].map((r) => m.etaText(m.blocksUntilMined(r, blocks)))
          .concat([m.blocksUntilMined(5, []), m.etaText(m.blocksUntilMined(1, [b(3)]))]);
      })`,
    );
    expect(etas).toEqual([
      'in about 1 block (the next one)',
      'in about 1 block (the next one)',
      'in about 2 blocks',
      'in about 2 blocks',
      'in 3 blocks or more',
      'in 3 blocks or more',
      null,
      null,
      null,
    ]);
  });

  it('an address page has a QR code of its BIP21 URI and lists its unspent outputs', async () => {
    const p = await page();
    await p.goto(`${t.url}/address/${PAYEE_ADDR}`);
    await p.locator('#address-utxos tbody tr').first().waitFor();
    // pay:0 is spent by the unconfirmed spend; its change (spend:1) is what is left here.
    const rows = p.locator('#address-utxos tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-outpoint')).toBe(`${spend.txidHex()}:1`);
    expect(await rows.first().textContent()).toContain('Unconfirmed');
    expect(await rows.first().textContent()).toContain('10.34562891');
    expect(await text(p, '#address-uri')).toBe(`bitcoin:${PAYEE_ADDR}`);
    const svg = p.locator('#address-qr svg');
    expect(await svg.getAttribute('aria-label')).toBe(`QR code of bitcoin:${PAYEE_ADDR}`);
    expect(await svg.getAttribute('data-modules')).toBe('33'); // 52 bytes: version 4
    // The encoder, against a symbol that a QR reader (zbarimg) decoded to its text.
    const html = await (await fetch(`${t.url}/`)).text();
    const base = html.match(/src="(\/static\/[0-9a-f]{16})\/app\.js"/)![1];
    const rowsHex = await p.evaluate(
      `import('${base}/qr.js').then(({ encodeQr }) =>
        encodeQr('bitcoin:bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080').dark.map((r) =>
          BigInt('0b' + r.map((d) => (d ? '1' : '0')).join('')).toString(16).padStart(9, '0')))`,
    );
    expect(rowsHex).toEqual(QR_GOLDEN);
    // An address with no unspent outputs says so.
    await p.goto(`${t.url}/address/${encodeAddress(testKey('explorer-web nobody').p2wpkh, regtest.address)}`);
    await p.locator('#address-utxos .empty').waitFor();
  });

  it('amounts switch between coins and sats, and the choice is remembered', async () => {
    const p = await page();
    await p.goto(`${t.url}/tx/${pay.txidHex()}`);
    await p.locator('ol.outputs > li').nth(3).waitFor();
    expect(await text(p, '#units-toggle')).toBe('coins');
    expect(await text(p, 'ol.outputs > li:first-child .io-value')).toBe('12.34567891 coins');
    await p.locator('#units-toggle').click();
    await p.locator('ol.outputs > li:first-child .io-value', { hasText: 'sat' }).waitFor();
    expect(await text(p, 'ol.outputs > li:first-child .io-value')).toBe('1,234,567,891 sat');
    expect(await text(p, '.fields')).toContain('10,000 sat');
    expect(await text(p, '#units-toggle')).toBe('sats');
    await p.reload();
    await p.locator('ol.outputs > li').first().waitFor();
    expect(await text(p, 'ol.outputs > li:first-child .io-value')).toBe('1,234,567,891 sat');
    await p.goto(`${t.url}/address/${PAYEE_ADDR}`);
    await p.locator('#balance-total').waitFor();
    expect(await text(p, '#balance-total .stat-value')).toBe('1,034,562,891 sat');
    expect(await text(p, '#balance-unconfirmed .stat-value')).toBe('-200,005,000 sat');
    await p.locator('#units-toggle').click();
    await p.locator('#balance-total', { hasText: 'coins' }).waitFor();
    expect(await text(p, '#balance-total .stat-value')).toBe('10.34562891 coins');
  });

  it('follows a dark system theme on every page', async () => {
    const p = await page({ colorScheme: 'dark' });
    const hash = await t.rpc<string>('getblockhash', [102]);
    const views: [string, string, string][] = [
      ['home', '/', 'table.blocks tbody tr'],
      ['tx', `/tx/${pay.txidHex()}`, 'ol.outputs > li'],
      ['block', `/block/${hash}`, '#block-fees'],
      ['address', `/address/${PAYEE_ADDR}`, '#address-qr svg'],
    ];
    for (const [name, path, ready] of views) {
      await p.goto(`${t.url}${path}`);
      await p.locator(ready).first().waitFor();
      expect(await p.evaluate('getComputedStyle(document.body).backgroundColor'), name).toBe(
        'rgb(13, 17, 23)',
      );
      await screenshot(p, SHOTS, `${name}-dark`);
    }
    // The QR code keeps its light background so readers see dark modules on light.
    expect(await p.locator('#address-qr svg rect').getAttribute('fill')).toBe('#ffffff');
  });

  it('unknown items and bad input get a clear state; data never becomes markup', async () => {
    const p = await page();
    await p.goto(`${t.url}/tx/${'00'.repeat(32)}`);
    await p.locator('[data-state="not-found"]').waitFor();
    expect(await text(p, 'main h1')).toBe('Not found');

    await p.goto(`${t.url}/anchor/${'ab'.repeat(32)}`);
    await p.locator('[data-state="not-found"]').waitFor();

    await p.fill('#search-input', 'ff'.repeat(32));
    await p.press('#search-input', 'Enter');
    await p.locator('[data-state="not-found"] .query', { hasText: 'ff'.repeat(32) }).waitFor();
    expect(await text(p, 'main')).toContain('No block, transaction or anchor');
    await screenshot(p, SHOTS, 'not-found');

    await p.fill('#search-input', '999999');
    await p.press('#search-input', 'Enter');
    await p.locator('main', { hasText: 'no block at height 999,999' }).waitFor();

    const hostile = '<img src=x onerror="window.__pwned=1">';
    await p.fill('#search-input', hostile);
    await p.press('#search-input', 'Enter');
    await p.locator('[data-state="not-found"] .query', { hasText: 'onerror' }).waitFor();
    expect(await text(p, '[data-state="not-found"] .query')).toBe(hostile);
    expect(await p.locator('main img').count()).toBe(0);
    expect(await p.evaluate('window.__pwned')).toBeUndefined();

    await p.goto(`${t.url}/address/notanaddress`);
    await p.locator('main .state').waitFor();
    expect(await text(p, 'main h1')).toBe('Invalid request');
  });

  it('the tip updates live and the page reads well on a phone', async () => {
    const p = await page({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    // Issue 20: the node pushes the block (GET /api/v1/events); the page neither polls nor reloads.
    const asked: string[] = [];
    p.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await p.goto(`${t.url}/`);
    await p.locator('table.blocks tbody tr').first().waitFor();
    expect(await text(p, '#tip-height')).toBe('#102');
    expect(asked).toContain('/api/v1/events');
    const before = asked.length;
    let navigations = 0;
    p.on('framenavigated', () => navigations++);
    await p.evaluate('window.__sameDocument = true');
    await t.rpc('generatetoaddress', [1, MINER_ADDR]);
    await p.locator('#tip-height', { hasText: /^#103$/ }).waitFor({ timeout: 20_000 });
    await p.locator('table.blocks tbody tr[data-height="103"]').waitFor({ timeout: 20_000 });
    expect(await p.locator('table.blocks tbody tr').first().getAttribute('data-height')).toBe('103');
    expect(await p.evaluate('window.__sameDocument')).toBe(true);
    expect(navigations).toBe(0);
    expect(asked.slice(before).filter((path) => path === '/api/blocks/tip/height')).toEqual([]);
    // The mined block took the spend out of the mempool.
    await p.locator('#stat-mempool', { hasText: '0 tx' }).waitFor();
    // Nothing overflows the phone's width.
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(p, SHOTS, 'home-phone');
    await p.goto(`${t.url}/tx/${pay.txidHex()}`);
    await p.locator('ol.outputs').waitFor();
    expect(await text(p, '#tx-status')).toBe('2 confirmations');
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(p, SHOTS, 'tx-phone');
  });

  it('serves the page shell and versioned assets with the right headers', async () => {
    const shell = await fetch(`${t.url}/tx/${pay.txidHex()}`);
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-type')).toContain('text/html');
    expect(shell.headers.get('cache-control')).toBe('no-cache');
    expect(shell.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await shell.text();
    const app = html.match(/src="(\/static\/[0-9a-f]{16}\/app\.js)"/)?.[1];
    expect(app).toBeDefined();
    const etag = shell.headers.get('etag')!;
    expect((await fetch(`${t.url}/`, { headers: { 'if-none-match': etag } })).status).toBe(304);

    const asset = await fetch(`${t.url}${app}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const assetTag = asset.headers.get('etag')!;
    expect((await fetch(`${t.url}${app}`, { headers: { 'if-none-match': assetTag } })).status).toBe(304);
    // An older build's URL still works but is not cached for good.
    const old = await fetch(`${t.url}/static/0000000000000000/app.js`);
    expect(old.status).toBe(200);
    expect(old.headers.get('cache-control')).toBe('no-cache');
    for (const missing of ['nope.js', '../index.ts', 'index.html']) {
      expect((await fetch(`${t.url}${app!.replace('app.js', missing)}`)).status, missing).toBe(404);
    }
  });

  it('formats amounts exactly, in the browser', async () => {
    const p = await page();
    await p.goto(`${t.url}/mempool`);
    const html = await (await fetch(`${t.url}/`)).text();
    const base = html.match(/src="(\/static\/[0-9a-f]{16})\/app\.js"/)![1];
    const got = await p.evaluate(
      `import('${base}/format.js').then((f) => [0, 1, 99999999, 100000000, -5, 2099999997690000, '9007199254740993', 1.5]
        .map((v) => f.coins(v)).concat(f.coins(1234567891, { sign: true })))`,
    );
    expect(got).toEqual([
      '0.00000000',
      '0.00000001',
      '0.99999999',
      '1.00000000',
      '-0.00000005',
      '20,999,999.97690000',
      '90,071,992.54740993',
      '?', // not a whole number of units: never rounded into a wrong amount
      '+12.34567891',
    ]);
  });

  it("a replaced transaction says which one replaced it; Esplora's /tx still says 404", async () => {
    // Issue 13: A, replaced by B, replaced by C (full RBF, each paying more).
    const cb = await coinbaseAt(3);
    const version = (fee: bigint) =>
      signedSpend(
        [{ prevout: new OutPoint(cb.txid(), 0), value: SUBSIDY, key: MINER }],
        [payTo(OTHER, SUBSIDY - fee)],
      );
    const [a, b, c] = [version(1_000n), version(10_000n), version(20_000n)];
    for (const tx of [a, b, c]) await send(tx);
    const gone = await fetch(`${t.url}/api/tx/${a.txidHex()}`);
    expect(gone.status).toBe(404);
    const r = await fetch(`${t.url}/api/tx/${a.txidHex()}/replacement`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({
      txid: a.txidHex(),
      replaced_by: b.txidHex(),
      latest: c.txidHex(),
    });

    const p = await page();
    await p.goto(`${t.url}/tx/${a.txidHex()}`);
    await p.locator('[data-state="replaced"]').waitFor();
    expect(await text(p, '#tx-replaced')).toContain(`Replaced by ${b.txidHex()}`);
    expect(await p.locator('#tx-replaced a').getAttribute('href')).toBe(`/tx/${b.txidHex()}`);
    expect(await text(p, '#tx-replaced-latest')).toContain(c.txidHex());
    expect(await text(p, 'main')).not.toContain('Not found');
    await screenshot(p, SHOTS, 'tx-replaced');
    // The link leads to the replacement, which the node has.
    await p.locator('#tx-replaced a').click();
    await p.waitForURL(`${t.url}/tx/${b.txidHex()}`);
    // The page renders in place: A's "replaced" block stays until B's answer arrives, so wait for
    // B's own text, not for any replaced block.
    await p.locator('#tx-replaced', { hasText: `Replaced by ${c.txidHex()}` }).waitFor();
    expect(await text(p, '#tx-replaced')).toContain(`Replaced by ${c.txidHex()}`);
    // An unknown txid is still plainly not found.
    await p.goto(`${t.url}/tx/${'00'.repeat(32)}`);
    await p.locator('[data-state="not-found"]').waitFor();
    expect(await text(p, 'main')).toContain('No such transaction');
  });

  it('a node at genesis without peers says it is waiting for peers, not in sync', async () => {
    const p = await page();
    await p.goto(`${t.url}/`);
    // The test node mined its own fresh blocks: out of IBD, with nobody to tell.
    await p.locator('#stat-peers', { hasText: 'in sync, no peers' }).waitFor();
    const fresh = await startTestNode();
    await p.goto(`${fresh.url}/`);
    await p.locator('#stat-peers', { hasText: 'waiting for peers' }).waitFor();
    expect(await text(p, '#stat-peers')).not.toContain('in sync');
    await screenshot(p, SHOTS, 'home-waiting');
  });

  it('an anchor page says who holds the file and links to its verified bytes', {
    timeout: 180_000,
  }, async () => {
    fileDir = await mkdtemp(join(tmpdir(), 'gl-explorer-files-'));
    // Two files, each anchored alone (one id is its own commitment): A is shared by this node
    // and by a peer, B by nobody.
    const content = (tag: string) => `${tag}: ${'the explorer links to the bytes it holds. '.repeat(120)}\n`;
    // Coinbases 4 and 5 mature (100 deep) whatever ran before.
    await t.rpc('generatetoaddress', [2, MINER_ADDR]);
    const a = anchorTx(content('A'), 4, await coinbaseAt(4));
    const b = anchorTx(content('B'), 5, await coinbaseAt(5));
    await send(a.tx);
    await send(b.tx);
    const [hash] = await t.rpc<string[]>('generatetoaddress', [1, MINER_ADDR]);
    const block = (await t.node.chain.getBlock(blockHashFromDisplay(hash!)))!;
    const fileA: AnchoredFile = { id: a.id, path: join(fileDir, 'a.txt'), text: content('A') };
    await writeFile(fileA.path, a.data);
    const link = blockLinkFromBlock(block, t.node.chain.height, a.tx.txid())!;
    await writeFile(`${fileA.path}.anchor.json`, formatProof(withBlock(a.proof, link)));
    expect(a.data.length).toBeGreaterThan(4 * 1024); // several chunks cross the wire
    await t.rpc('sharefile', [fileA.path]);

    // A peer that syncs from this node and shares A too: this node then counts it a provider.
    const peer = await startTestNode({ addNodes: [`127.0.0.1:${t.node.p2p!.listenPort}`] });
    await until("the peer at this node's tip", () => peer.node.chain.tip.hashHex === hash);
    await peer.rpc('sharefile', [fileA.path]);
    const anchorInfo = async (id: string) =>
      (await (await fetch(`${t.url}/api/anchors/${id}`)).json()) as { providers: number; held: boolean };
    await until('the peer announced A', async () => (await anchorInfo(a.id)).providers === 1);

    const p = await page();
    await p.goto(`${t.url}/anchor/${a.id}`);
    await p.locator('#anchor-providers').waitFor();
    expect(await text(p, '#anchor-held')).toBe('holds the whole file');
    expect(await text(p, '#anchor-providers')).toBe('1 connected peer holds it');
    const download = p.locator('#anchor-download');
    expect(await download.getAttribute('href')).toBe(`/api/anchors/${a.id}/file`);
    expect(await download.getAttribute('download')).toBe('');
    expect(await download.getAttribute('data-nav')).toBeNull(); // the browser saves it, not the router
    expect(await p.locator('#anchor-fetch-hint').count()).toBe(0);
    // The link serves the file's own bytes, each chunk re-verified by the node as it is read.
    const got = await p.evaluate(
      `fetch(document.querySelector('#anchor-download').href).then(async (r) => [r.status, r.headers.get('content-disposition'), await r.text()])`,
    );
    expect(got).toEqual([200, "attachment; filename*=UTF-8''anchored-4.txt", fileA.text]);
    await screenshot(p, SHOTS, 'anchor-file');

    // B is anchored but held by nobody: no link, a way to get it instead.
    await p.goto(`${t.url}/anchor/${b.id}`);
    await p.locator('#anchor-providers').waitFor();
    expect(await text(p, '#anchor-held')).toBe('does not hold it');
    expect(await text(p, '#anchor-providers')).toBe('no connected peer has announced it');
    expect(await p.locator('#anchor-download').count()).toBe(0);
    expect(await text(p, '#anchor-fetch-hint')).toContain(`gossip-node fetch ${b.id}`);
    expect((await fetch(`${t.url}/api/anchors/${b.id}/file`)).status).toBe(404);

    // When the peer goes, the page says so on its next load.
    await peer.node.stop();
    await until('the peer gone', async () => (await anchorInfo(a.id)).providers === 0);
    await p.goto(`${t.url}/anchor/${a.id}`);
    await p.locator('#anchor-providers', { hasText: 'no connected peer' }).waitFor();
    expect(await p.locator('#anchor-download').count()).toBe(1);
  });

  it('ran every page without script errors', () => {
    expect(opened.flatMap((w) => w.errors)).toEqual([]);
  });
});
