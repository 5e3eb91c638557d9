// The proof of work runs here, off the page's main thread, so buttons and animations stay responsive while it works.

import { findNumber } from './altcha-solve.js';

self.addEventListener('message', (event) => {
  self.postMessage({ number: findNumber(event.data) });
});
