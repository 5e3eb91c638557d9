// The on-air graphic's look, from its URL (docs/graphics.md): layout, theme, accent, font, logo, safe area, call to
// action, preview. A value that is not understood is ignored (the default stays): a typo in an OBS source must never
// break the picture, and nothing from the URL reaches the page other than through these allow-lists.

const LAYOUTS = ['full', 'lower-third', 'side'];
const THEMES = ['dark', 'light', 'transparent'];

// System fonts only: the page's CSP loads no font files (font-src 'self' and none are shipped), so a name is mapped to
// a stack of fonts that broadcast machines (Windows, macOS, Linux) commonly have.
const FONTS = {
  system: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  sans: '"Helvetica Neue", Helvetica, Arial, "Liberation Sans", sans-serif',
  serif: 'Georgia, "Times New Roman", "Liberation Serif", serif',
  mono: 'ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace',
  rounded: 'ui-rounded, "SF Pro Rounded", "Arial Rounded MT Bold", system-ui, sans-serif',
  condensed: '"Roboto Condensed", "Arial Narrow", "Liberation Sans Narrow", "Helvetica Neue", sans-serif',
  arial: 'Arial, "Liberation Sans", sans-serif',
  helvetica: '"Helvetica Neue", Helvetica, Arial, sans-serif',
  verdana: 'Verdana, "DejaVu Sans", sans-serif',
  tahoma: 'Tahoma, Verdana, "DejaVu Sans", sans-serif',
  trebuchet: '"Trebuchet MS", "DejaVu Sans", sans-serif',
  segoe: '"Segoe UI", system-ui, sans-serif',
  roboto: 'Roboto, "Noto Sans", Arial, sans-serif',
  georgia: 'Georgia, "DejaVu Serif", serif',
  times: '"Times New Roman", Times, "Liberation Serif", serif',
  impact: 'Impact, "Arial Black", "DejaVu Sans", sans-serif',
};

const HEX = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i;

function oneOf(value, allowed, fallback) {
  const lower = value?.trim().toLowerCase();
  return lower && allowed.includes(lower) ? lower : fallback;
}

function parseAccent(value) {
  const match = HEX.exec(value?.trim() ?? '');
  if (!match) return null;
  const digits = match[1].length === 3 ? [...match[1]].map((d) => d + d).join('') : match[1];
  return `#${digits.toLowerCase()}`;
}

/** Black or white, whichever reads better on the accent (WCAG relative luminance). */
function textOn(hex) {
  const channel = (offset) => {
    const c = parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return luminance > 0.179 ? '#111111' : '#ffffff';
}

// Logo and stylesheet: only our own origin: the page's CSP (img-src 'self' data:) would block any other, and a path cannot smuggle a scheme.
function parseLogo(value, origin) {
  const path = value?.trim();
  if (!path || !path.startsWith('/') || path.startsWith('//') || path.includes('\\')) return null;
  try {
    const url = new URL(path, origin);
    return url.origin === origin ? url.pathname + url.search : null;
  } catch {
    return null;
  }
}

function parseSafe(value) {
  if (!/^\d{1,2}(\.\d+)?$/.test(value?.trim() ?? '')) return null;
  const percent = Number(value);
  return percent >= 0 && percent <= 20 ? percent : null;
}

/**
 * @param {URLSearchParams} params
 * @param {string} origin the page's own origin
 */
export function readGraphicSettings(params, origin) {
  // ?transparent=1 is the older spelling of theme=transparent; an explicit theme wins.
  const legacyTheme = params.get('transparent') === '1' ? 'transparent' : 'dark';
  const accent = parseAccent(params.get('accent'));
  return {
    layout: oneOf(params.get('layout'), LAYOUTS, 'full'),
    theme: oneOf(params.get('theme'), THEMES, legacyTheme),
    accent,
    accentText: accent ? textOn(accent) : null,
    font: FONTS[params.get('font')?.trim().toLowerCase() ?? ''] ?? null,
    logo: parseLogo(params.get('logo'), origin),
    // A stylesheet of the show's own (same origin, .css) that sets --lv-* custom properties: OBS's "Custom CSS" box
    // injects an inline <style>, which the page's CSP (style-src 'self') refuses.
    css: /\.css$/i.test(params.get('css')?.trim() ?? '') ? parseLogo(params.get('css'), origin) : null,
    safe: parseSafe(params.get('safe')),
    cta: params.get('cta') !== '0',
    preview: params.get('preview') === '1',
  };
}

/** Puts the settings on <html>: classes for layout and theme, custom properties for the rest (results.css reads them). */
export function applyGraphicSettings(settings, root = document.documentElement) {
  root.classList.add('lv-graphic', `layout-${settings.layout}`, `theme-${settings.theme}`);
  if (settings.accent) {
    root.style.setProperty('--lv-accent', settings.accent);
    root.style.setProperty('--lv-accent-text', settings.accentText);
  }
  if (settings.css) {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = settings.css;
    document.head.append(link);
  }
  if (settings.font) root.style.setProperty('--lv-font', settings.font);
  if (settings.safe !== null) {
    root.style.setProperty('--lv-safe-y', `${settings.safe}vh`);
    root.style.setProperty('--lv-safe-x', `${settings.safe}vw`);
  }
}
