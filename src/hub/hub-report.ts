// Session reports at the hub: one site's session, built from the hub's own history (its acks included).
import { cliError } from '../error-text.js';
import { sessionsOf, type ReportSource } from '../report/report-source.js';
import type { HubLog } from './hub-log.js';

/**
 * {@link ReportSource} over the hub's history: sessions are those named by the relayed alerts, per site; a report
 * covers one site (`site` required when several sites ran a session of that name) with every record the hub holds for
 * it — the site's records and the hub-side ones (acks made at the hub, site-offline alerts). The window is the span of
 * the records carrying the session's name (the hub does not know the sites' configs); sensors are those named by the
 * records; evidence pictures stay at the site (not in the hub's report).
 */
export function hubReportSource(log: HubLog, timeZone?: string): ReportSource {
  return {
    sessions() {
      return Promise.resolve(sessionsOf(log.all()));
    },
    input(session, site) {
      let siteName = site;
      if (siteName === undefined) {
        const sites = [...new Set(log.all().filter((r) => r.session === session).map((r) => r.site))];
        if (sites.length > 1) return Promise.reject(cliError('report.manySites', { session, sites: sites.join(', ') }, 'BAD_INPUT'));
        siteName = sites[0];
      }
      if (siteName === undefined) return Promise.reject(cliError('report.hubNone', { session }, 'BAD_INPUT'));
      const records = log.all().filter((r) => r.site === siteName);
      if (!records.some((r) => r.session === session)) return Promise.reject(cliError('report.hubSiteNone', { session, site: siteName }, 'BAD_INPUT'));
      return Promise.resolve({ session, site: siteName, records, ...(timeZone !== undefined ? { timeZone } : {}) });
    },
  };
}
