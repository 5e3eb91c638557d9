// Votes per second over the last two minutes, drawn as a hand-written SVG line chart (no chart library, no build).
// The SVG's coordinate width follows its box (so labels stay 12 px on a phone and on a desk monitor); the y axis
// rounds its top up to a readable number so the line never touches the roof.

const SVG = 'http://www.w3.org/2000/svg';
const MIN_WIDTH = 300;
const HEIGHT = 180;
const PAD = { left: 48, right: 12, top: 14, bottom: 26 };

function svg(tag, attributes = {}, text = null) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== null) element.textContent = text;
  return element;
}

/** 1, 2, 5, 10, 20, 50...: the smallest such number at least `value` (and at least 1). */
export function niceCeiling(value) {
  if (!(value > 1)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (step * magnitude >= value) return step * magnitude;
  }
  return 10 * magnitude;
}

const rate = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

export class VotesChart {
  /**
   * @param {HTMLElement} container filled with the SVG
   * @param {{windowSeconds?: number}} [options]
   */
  constructor(container, { windowSeconds = 120 } = {}) {
    this.windowMs = windowSeconds * 1000;
    this.samples = [];
    this.title = svg('title', { id: 'votes-chart-title' }, 'Votes per second: no figures yet.');
    this.grid = svg('g', { class: 'chart-grid' });
    this.area = svg('path', { class: 'chart-area', d: '' });
    this.line = svg('path', { class: 'chart-line', d: '' });
    this.container = container;
    this.root = svg('svg', { role: 'img', 'aria-labelledby': 'votes-chart-title', class: 'votes-chart', preserveAspectRatio: 'xMidYMid meet' });
    this.root.append(this.title, this.grid, this.area, this.line);
    container.replaceChildren(this.root);
    window.addEventListener('resize', () => this.render());
    this.render();
  }

  /** Adds one reading (votes per second at time `at`, in ms) and redraws. */
  add(at, votesPerSecond) {
    this.samples.push({ at, value: Math.max(0, Number(votesPerSecond) || 0) });
    const oldest = at - this.windowMs;
    while (this.samples.length > 2 && this.samples[0].at < oldest) this.samples.shift();
    this.render();
  }

  render() {
    const WIDTH = Math.max(MIN_WIDTH, Math.round(this.container.clientWidth || 640));
    this.root.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
    const samples = this.samples;
    const peak = samples.reduce((max, s) => Math.max(max, s.value), 0);
    const top = niceCeiling(peak);
    const now = samples.length ? samples[samples.length - 1].at : 0;
    const x = (at) => PAD.left + (WIDTH - PAD.left - PAD.right) * (1 - (now - at) / this.windowMs);
    const y = (value) => HEIGHT - PAD.bottom - (HEIGHT - PAD.top - PAD.bottom) * (value / top);

    this.grid.replaceChildren();
    for (const fraction of [0, 0.5, 1]) {
      const value = top * fraction;
      this.grid.append(
        svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(value), y2: y(value) }),
        svg('text', { x: PAD.left - 8, y: y(value) + 4, 'text-anchor': 'end' }, rate.format(value)));
    }
    this.grid.append(
      svg('text', { x: PAD.left, y: HEIGHT - 6, 'text-anchor': 'start' }, `${Math.round(this.windowMs / 60000)} min ago`),
      svg('text', { x: WIDTH - PAD.right, y: HEIGHT - 6, 'text-anchor': 'end' }, 'now'));

    const points = samples.map((s) => `${x(s.at).toFixed(1)},${y(s.value).toFixed(1)}`);
    this.line.setAttribute('d', points.length ? `M${points.join('L')}` : '');
    this.area.setAttribute('d', points.length > 1
      ? `M${x(samples[0].at).toFixed(1)},${y(0)}L${points.join('L')}L${x(now).toFixed(1)},${y(0)}Z` : '');
    this.root.dataset.samples = String(samples.length);
    this.root.dataset.peak = String(peak);
    const latest = samples.length ? samples[samples.length - 1].value : 0;
    this.title.textContent = samples.length
      ? `Votes per second over the last ${Math.round(this.windowMs / 60000)} minutes: now ${rate.format(latest)}, peak ${rate.format(peak)}.`
      : 'Votes per second: no figures yet.';
  }
}
