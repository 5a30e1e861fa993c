// What the browser tests put on a page's `window` themselves (page.evaluate, addInitScript, addScriptTag), beside what
// the page declares for them (web-ui/src/page-state.ts: window.quietband, window.quietbandTest).
import type { renderSitePlan } from '../../web-ui/src/site-plan.js';

declare global {
  interface Window {
    /** Wall time (ms, Date.now) at which the first alert row entered the DOM (ui.test.ts, daemon-e2e.test.ts). */
    rowAtMs?: number;
    /** Wall time (ms) at which the page first showed itself live (daemon-e2e.test.ts). */
    liveAtMs?: number;
    /** The site-plan module loaded into the page (site-plan-labels.test.ts). */
    __plan?: { renderSitePlan: typeof renderSitePlan };
  }
}

export {};
