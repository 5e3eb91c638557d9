// Result bars for one poll, shared by the vote page (small) and the broadcast graphic (large).

import { h, formatNumber, formatVotes } from './dom.js';
import { leaders, roundedPercents } from './percent.js';

const PALETTE_SIZE = 8;

export class ResultsBoard {
  /**
   * @param {HTMLElement} container emptied and filled with the bars
   * @param {{id: string, label: string}[]} options in the poll's order, which the bars keep (rows never jump)
   * @param {{badges?: boolean}} [settings] badges: label the leaders "Tie" (two or more) or, once final, "Winner"
   */
  constructor(container, options, { badges = false } = {}) {
    this.container = container;
    this.options = options;
    this.badges = badges;
    this.rows = options.map((option, index) => {
      const percent = h('span', { class: 'bar-percent', text: '0%' });
      const count = h('span', { class: 'bar-count', text: formatVotes(0) });
      const fill = h('span', { class: 'bar-fill' });
      const badge = h('span', { class: 'bar-badge', hidden: true });
      const element = h('li', { class: `bar bar-color-${index % PALETTE_SIZE}`, dataset: { optionId: option.id } },
        h('span', { class: 'bar-label' }, h('span', { class: 'bar-name', text: option.label }), badges ? badge : null),
        h('span', { class: 'bar-numbers' }, percent, count),
        h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill));
      return { element, percent, count, fill, badge };
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
   * then glide to their new lengths with a CSS transition. A snapshot with `hidden` (results hidden until the
   * producer's reveal) carries no counts: the board marks itself `is-hidden` and the stylesheet shows the answers only.
   * @returns {{total: number, formattedTotal: string, leaders: number[], hidden: boolean}}
   */
  render(snapshot) {
    const hidden = snapshot.hidden === true;
    const counts = this.options.map((option) => Number(snapshot.totals?.[option.id] ?? 0));
    const total = counts.reduce((sum, count) => sum + count, 0);
    const percents = roundedPercents(counts);
    const top = hidden ? [] : leaders(counts);
    const tie = top.length > 1;
    // "Winner" only once the result is final (signed, docs/design.md 7.6), like the graphic's "Final result".
    const decided = snapshot.status === 'closed' && snapshot.final === true;
    this.container.classList.toggle('is-hidden', hidden);
    this.container.classList.toggle('is-tie', tie);
    this.rows.forEach((row, index) => {
      const leading = top.includes(index);
      row.percent.textContent = `${percents[index]}%`;
      row.count.textContent = formatVotes(counts[index]);
      row.fill.style.setProperty('--share', total === 0 ? '0' : String(counts[index] / total));
      row.element.classList.toggle('is-leading', leading);
      row.element.classList.toggle('is-tied', leading && tie);
      if (this.badges) {
        // A tie is said as a tie, live or final: never an arbitrary winner.
        const badge = !leading ? '' : tie ? 'Tie' : decided ? 'Winner' : '';
        row.badge.textContent = badge;
        row.badge.hidden = !badge;
      }
    });
    return { total, formattedTotal: formatNumber(total), leaders: top, hidden };
  }
}
