// Result bars for one poll, shared by the vote page (small) and the broadcast graphic (large).

import { h, formatNumber, formatVotes } from './dom.js';

const PALETTE_SIZE = 8;

/**
 * Whole percentages that add up to exactly 100 (largest remainder), so a TV graphic never shows 33% + 33% + 33%.
 * @param {number[]} counts
 */
export function wholePercentages(counts) {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return counts.map(() => 0);
  const exact = counts.map((count) => (count * 100) / total);
  const result = exact.map(Math.floor);
  let missing = 100 - result.reduce((sum, value) => sum + value, 0);
  const byRemainder = exact.map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (missing-- <= 0) break;
    result[index] += 1;
  }
  return result;
}

export class ResultsBoard {
  /**
   * @param {HTMLElement} container emptied and filled with the bars
   * @param {{id: string, label: string}[]} options in the poll's order, which the bars keep (rows never jump)
   */
  constructor(container, options) {
    this.options = options;
    this.rows = options.map((option, index) => {
      const percent = h('span', { class: 'bar-percent', text: '0%' });
      const count = h('span', { class: 'bar-count', text: formatVotes(0) });
      const fill = h('span', { class: 'bar-fill' });
      const element = h('li', { class: `bar bar-color-${index % PALETTE_SIZE}`, dataset: { optionId: option.id } },
        h('span', { class: 'bar-label', text: option.label }),
        h('span', { class: 'bar-numbers' }, percent, count),
        h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill));
      return { element, percent, count, fill };
    });
    container.style.setProperty('--rows', String(options.length));
    // Wide screens show a long poll in two columns (results.css), so 20 answers still fit one TV picture.
    container.style.setProperty('--column-rows', String(Math.ceil(options.length / 2)));
    container.classList.toggle('has-many', options.length > 6);
    container.classList.toggle('two-columns', options.length > 8);
    container.replaceChildren(h('ol', { class: 'bars' }, this.rows.map((row) => row.element)));
  }

  /**
   * Shows one snapshot. All rows change in this one synchronous call, so the screen never mixes two snapshots; the bars
   * then glide to their new lengths with a CSS transition.
   */
  render(snapshot) {
    const counts = this.options.map((option) => Number(snapshot.totals?.[option.id] ?? 0));
    const total = counts.reduce((sum, count) => sum + count, 0);
    const percents = wholePercentages(counts);
    const leader = Math.max(0, ...counts);
    this.rows.forEach((row, index) => {
      row.percent.textContent = `${percents[index]}%`;
      row.count.textContent = formatVotes(counts[index]);
      row.fill.style.setProperty('--share', total === 0 ? '0' : String(counts[index] / total));
      row.element.classList.toggle('is-leading', leader > 0 && counts[index] === leader);
    });
    return { total, formattedTotal: formatNumber(total) };
  }
}
