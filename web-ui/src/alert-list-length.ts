// How many alerts the card layout (below 1000 px: phones, narrow windows) lists: the page itself scrolls there (the list
// is no scroll box inside the page), so it shows the first cards and a button for the rest, which keeps the sensor cards
// and spectra below within two screen heights however many alerts there are.
import { MAX_ROWS, type AlertList } from './alert-list.js';
import { t } from './i18n.js';

/** Rows the card layout lists until "Show all" (10 cards of 86-112 px: ≈ 1 000 px on a 390 × 844 phone). */
export const CARD_ROWS = 10;

/** The media query of the card layout (styles.css: one card per alert below 1000 px). */
export const CARD_LAYOUT_QUERY = '(max-width: 1000px)';

/**
 * Sets the alert list's row limit from the layout: {@link CARD_ROWS} in the card layout until the supervisor pressed the
 * button (`data-testid="alerts-all"`: "Show all 60 alerts"), which then offers to show the first ones again;
 * {@link MAX_ROWS} in the table layout (the button hidden). The list is re-laid out through `changed` (a render pass,
 * which calls {@link render}).
 */
export class AlertListLength {
  private all = false;

  constructor(
    private readonly list: AlertList,
    private readonly button: HTMLButtonElement,
    private readonly layout: MediaQueryList,
    private readonly changed: () => void,
  ) {
    button.addEventListener('click', () => {
      this.all = !this.all;
      this.apply();
      this.changed();
    });
    layout.addEventListener('change', () => {
      this.apply();
      this.changed();
    });
    this.apply();
  }

  /** Lists every alert (as the button's "Show all" does); the caller re-lays the list out. */
  showAll(): void {
    this.all = true;
    this.apply();
  }

  private apply(): void {
    this.list.setRowLimit(this.layout.matches && !this.all ? CARD_ROWS : MAX_ROWS);
  }

  /** The button after a render pass of the list: shown in the card layout while rows are left out, or all are shown. */
  render(): void {
    const list = this.list;
    this.button.hidden = !this.layout.matches || (this.all ? list.matchCount <= CARD_ROWS : list.hiddenCount === 0);
    this.button.textContent = this.all ? t('alerts.fewer', { n: CARD_ROWS }) : t('alerts.all', { n: list.matchCount });
  }
}
