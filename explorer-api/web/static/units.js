/**
 * The unit amounts are shown in: coins (8 decimals) or sats (whole base units), chosen with the
 * header's toggle and remembered in localStorage (where the page cannot store it, the choice
 * lasts until the page reloads).
 */
const KEY = 'gossip-ledger:units';

function stored() {
  try {
    return localStorage.getItem(KEY) === 'sats' ? 'sats' : 'coins';
  } catch {
    return 'coins';
  }
}

let chosen = stored();

/** 'coins' or 'sats'. */
export function unit() {
  return chosen;
}

export function setUnit(value) {
  chosen = value === 'sats' ? 'sats' : 'coins';
  try {
    localStorage.setItem(KEY, chosen);
  } catch {
    // Storage refused: keep the choice for this page only.
  }
}
