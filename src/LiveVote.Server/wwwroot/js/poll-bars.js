// Per-answer counts and bars on a poll card of the producer console: the live count (GET .../results/live, counts even
// behind a freeze or a hidden result) and, while the on-air results are frozen, what the audience sees (the public
// GET .../results) beside it, each column labelled. A table, so a screen reader reads "North, On air, 2 votes, 50%";
// every bar has its figures in text next to it (the bar itself is decoration, hidden from assistive technology).

import { formatVotes, h } from './dom.js';
import { roundedPercents } from './percent.js';

const PALETTE_SIZE = 8;
const SERIES = [{ name: 'on-air' }, { name: 'live' }];

export class PollBars {
  /**
   * @param {{id: string, label: string}[]} options in the poll's order (rows never jump)
   * @param {string} title the poll's question, for the table's caption
   * @param {string} [liveLabel] the count's column: "Live" while voting goes on, "Count" once closed
   */
  constructor(options, title, liveLabel = 'Live') {
    this.options = options;
    const labels = { 'on-air': 'On air', live: liveLabel };
    this.headers = Object.fromEntries(SERIES.map((series) =>
      [series.name, h('th', { scope: 'col', class: `poll-bars-series is-${series.name}`, text: labels[series.name] })]));
    this.rows = options.map((option, index) => {
      const cells = Object.fromEntries(SERIES.map((series) => [series.name, cell(series.name)]));
      const element = h('tr', { class: `poll-bar bar-color-${index % PALETTE_SIZE}`, dataset: { optionId: option.id } },
        h('th', { scope: 'row', class: 'poll-bar-label', text: option.label }),
        ...SERIES.map((series) => cells[series.name].element));
      return { element, cells };
    });
    this.element = h('table', { class: 'poll-bars' },
      h('caption', { class: 'visually-hidden', text: `Counts per answer: ${title}` }),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Answer' }), ...SERIES.map((series) => this.headers[series.name]))),
      h('tbody', {}, this.rows.map((row) => row.element)));
    this.showOnAir(false);
  }

  /**
   * Shows one live snapshot and, when given (frozen), the on-air one beside it.
   * @param {{totals: Record<string, number>}} live
   * @param {{totals: Record<string, number>}|null} onAir
   */
  render(live, onAir = null) {
    this.showOnAir(onAir !== null);
    this.fill('live', live);
    if (onAir) this.fill('on-air', onAir);
  }

  showOnAir(shown) {
    this.element.dataset.frozen = String(shown);
    this.headers['on-air'].hidden = !shown;
    for (const row of this.rows) row.cells['on-air'].element.hidden = !shown;
  }

  fill(series, snapshot) {
    const counts = this.options.map((option) => Number(snapshot.totals?.[option.id] ?? 0));
    const total = counts.reduce((sum, count) => sum + count, 0);
    const percents = roundedPercents(counts);
    this.rows.forEach((row, index) => {
      const { count, percent, fill } = row.cells[series];
      const countText = formatVotes(counts[index]);
      if (count.textContent !== countText) count.textContent = countText;
      const percentText = `${percents[index]}%`;
      if (percent.textContent !== percentText) percent.textContent = percentText;
      fill.style.setProperty('--share', total === 0 ? '0' : String(counts[index] / total));
    });
  }
}

function cell(series) {
  const count = h('span', { class: 'poll-bar-count' });
  const percent = h('span', { class: 'poll-bar-percent' });
  const fill = h('span', { class: 'bar-fill' });
  const element = h('td', { class: `poll-bar-cell is-${series}`, dataset: { series } },
    h('span', { class: 'poll-bar-figures' }, count, ' ', percent),
    h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill));
  return { element, count, percent, fill };
}
