// Whole percentages for result bars, and who leads. Shared by the on-air graphic, the vote page and the console.
//
// A TV graphic must never show 33% + 33% + 33% (the audience adds them up), so the shares are rounded by the largest
// remainder method: every option gets its rounded-down share, and the points still missing to 100 go, one each, to
// the options whose share lost most in rounding. Everything is integer arithmetic: two equal counts always have equal
// remainders, so no floating-point noise decides who gets the extra point; equal remainders go in the poll's order.

/** Non-negative whole counts; anything else (NaN, negative, fractions, strings) counts as what it safely is. */
function clean(counts) {
  return counts.map((count) => {
    const value = Math.floor(Number(count));
    return Number.isFinite(value) && value > 0 ? value : 0;
  });
}

/**
 * Whole percentages summing to exactly 100 (all zero when nothing was counted), by largest remainder.
 * @param {number[]} counts in the poll's order
 * @returns {number[]}
 */
export function roundedPercents(counts) {
  const values = clean(counts);
  const total = values.reduce((sum, count) => sum + count, 0);
  if (total === 0) return values.map(() => 0);
  const result = values.map((count) => Math.floor((count * 100) / total));
  const remainders = values.map((count, index) => ({ index, remainder: (count * 100) % total }));
  let missing = 100 - result.reduce((sum, value) => sum + value, 0);
  remainders.sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of remainders) {
    if (missing <= 0) break;
    result[index] += 1;
    missing -= 1;
  }
  return result;
}

/**
 * Indexes of the options with the top count, in the poll's order: none before the first vote, more than one for a tie
 * (which the graphic shows as a tie, never as an arbitrary winner).
 * @param {number[]} counts
 * @returns {number[]}
 */
export function leaders(counts) {
  const values = clean(counts);
  const top = Math.max(0, ...values);
  if (top === 0) return [];
  return values.flatMap((count, index) => (count === top ? [index] : []));
}
