/**
 * Display formats. Amounts are integers of base units (1 coin = 100,000,000 units, as Bitcoin's
 * satoshi); they are formatted with BigInt arithmetic so no floating-point rounding can show a
 * wrong digit.
 */

export const UNITS_PER_COIN = 100_000_000n;

function toBigInt(units) {
  if (typeof units === 'bigint') return units;
  if (typeof units === 'number' && Number.isSafeInteger(units)) return BigInt(units);
  if (typeof units === 'string' && /^-?\d+$/.test(units)) return BigInt(units);
  return null;
}

function group(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 123456789 -> "1.23456789"; -5 -> "-0.00000005"; grouping in the whole part. */
export function coins(units, { sign = false } = {}) {
  const v = toBigInt(units);
  if (v === null) return '?';
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const whole = group((abs / UNITS_PER_COIN).toString());
  const frac = (abs % UNITS_PER_COIN).toString().padStart(8, '0');
  const prefix = neg ? '-' : sign && v > 0n ? '+' : '';
  return `${prefix}${whole}.${frac}`;
}

/** 123456789 -> "123,456,789"; with `sign`, "+" before a positive amount. */
export function sats(units, { sign = false } = {}) {
  const v = toBigInt(units);
  if (v === null) return '?';
  const text = group((v < 0n ? -v : v).toString());
  return `${v < 0n ? '-' : sign && v > 0n ? '+' : ''}${text}`;
}

export function integer(n) {
  const v = toBigInt(n);
  return v === null ? String(n) : group(v.toString());
}

/** Bytes as "1,234 B" or "12.3 kB" / "1.50 MB" (sizes are display only). */
export function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '?';
  if (n < 10_000) return `${integer(n)} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`;
  return `${(n / 1_000_000).toFixed(2)} MB`;
}

export function vbytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '?';
  if (n < 10_000) return `${integer(n)} vB`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kvB`;
  return `${(n / 1_000_000).toFixed(2)} MvB`;
}

export function vsizeOf(weight) {
  return Math.ceil(weight / 4);
}

/** Fee rate in units per virtual byte, two decimals. */
export function feeRate(fee, weight) {
  if (typeof fee !== 'number' || typeof weight !== 'number' || weight <= 0) return '?';
  return `${(fee / vsizeOf(weight)).toFixed(2)} sat/vB`;
}

function pad(n) {
  return String(n).padStart(2, '0');
}

/** Unix seconds -> "2024-05-01 12:34:56 UTC". */
export function utc(seconds) {
  if (typeof seconds !== 'number') return '?';
  const d = new Date(seconds * 1000);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`
  );
}

/** Unix seconds -> "5 min ago" relative to `now` (ms). */
export function ago(seconds, now = Date.now()) {
  if (typeof seconds !== 'number') return '?';
  const s = Math.round(now / 1000 - seconds);
  if (s < -60) return 'in the future';
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 86400 * 60) return `${Math.floor(s / 86400)} days ago`;
  return utc(seconds).slice(0, 10);
}

export function difficulty(d) {
  if (typeof d !== 'number' || !Number.isFinite(d)) return '?';
  if (d < 0.001) return d.toExponential(4);
  if (d < 1000) return String(Number(d.toPrecision(6)));
  return integer(Math.round(d));
}

export function hex32(n) {
  return typeof n === 'number' ? `0x${(n >>> 0).toString(16).padStart(8, '0')}` : '?';
}
