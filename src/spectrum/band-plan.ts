// Built-in band plan: labels for alert frequencies, and the bands whose background is fixed infrastructure.

/** Regulatory region of the table. CN is the default (exam sites in China); EU for European deployments. */
export type Region = 'CN' | 'EU';

/**
 * One band. `background: true` marks bands occupied by fixed infrastructure transmitters (broadcast, cellular
 * downlink): there the baseline is the envelope of what the site's background does (a high percentile per bin,
 * see BaselineLearner), because traffic bursts of a base station are part of the site's normal spectrum, and a
 * handset or earpiece never transmits in a downlink band. Every other band's baseline is its noise level.
 */
export interface Band {
  label: string;
  lowHz: number;
  highHz: number;
  regions: readonly Region[];
  background: boolean;
  /** Why it is in the table (what cheating devices or background emitters live there). */
  note: string;
}

const M = 1e6;
/**
 * Sources: CN — MIIT radio frequency allocation regulations (2018 ed.) and MIIT notices on 433/470–510 MHz micro-power
 * devices and PMR (400 MHz public walkie-talkie 409.75–409.9875 MHz); EU — ERC Recommendation 70-03 (SRD: 433.05–434.79,
 * 863–870 MHz, 2.4 and 5.8 GHz) and ECC/DEC/(15)05 (PMR446); 3GPP TS 45.005 §2 (GSM900/DCS1800 bands); 3GPP TS 36.101
 * Table 5.5-1 and TS 38.101-1 Table 5.2-1 (LTE/NR band edges); the CN TDD assignments (B39/B34/B40/B41, n78, n79) are
 * MIIT's 2013 TD-LTE and 2018 5G licences.
 */
export const BANDS: readonly Band[] = [
  { label: 'CB 27 MHz', lowHz: 26.965 * M, highHz: 27.405 * M, regions: ['CN', 'EU'], background: false, note: 'CB radio, 27 MHz remotes' },
  { label: 'FM broadcast', lowHz: 87 * M, highHz: 108 * M, regions: ['CN', 'EU'], background: true, note: 'broadcast transmitters; cheap FM earpiece links also sit here' },
  { label: 'VHF land mobile', lowHz: 137 * M, highHz: 174 * M, regions: ['CN', 'EU'], background: false, note: 'VHF earpiece links found at exams (150–170 MHz)' },
  { label: 'ISM 315 MHz', lowHz: 314 * M, highHz: 316 * M, regions: ['CN'], background: false, note: '315 MHz remotes and transmitters' },
  { label: 'UHF land mobile', lowHz: 400 * M, highHz: 470 * M, regions: ['CN', 'EU'], background: false, note: 'UHF earpiece links (400–470 MHz)' },
  { label: 'PMR 409 MHz (CN public walkie-talkie)', lowHz: 409.75 * M, highHz: 409.9875 * M, regions: ['CN'], background: false, note: 'licence-free walkie-talkies' },
  { label: 'ISM 433 MHz', lowHz: 433.05 * M, highHz: 434.79 * M, regions: ['CN', 'EU'], background: false, note: '433 MHz SRD: remotes, sensors, cheating transmitters' },
  { label: 'PMR446', lowHz: 446.0 * M, highHz: 446.2 * M, regions: ['EU'], background: false, note: 'licence-free walkie-talkies' },
  { label: 'SRD 470–510 MHz', lowHz: 470 * M, highHz: 510 * M, regions: ['CN'], background: false, note: 'CN micro-power devices (meters, data links)' },
  { label: 'SRD 868 MHz', lowHz: 863 * M, highHz: 870 * M, regions: ['EU', 'CN'], background: false, note: 'SRD 868: sensors, data links' },
  { label: 'GSM900 uplink', lowHz: 880 * M, highHz: 915 * M, regions: ['CN', 'EU'], background: false, note: 'handsets: 577 µs bursts' },
  { label: 'GSM900 downlink', lowHz: 925 * M, highHz: 960 * M, regions: ['CN', 'EU'], background: true, note: 'base stations (C0 continuous, traffic bursts)' },
  { label: 'ADS-B / Mode S 1090 MHz', lowHz: 1089 * M, highHz: 1091 * M, regions: ['CN', 'EU'], background: false, note: 'aircraft transponders' },
  { label: 'GPS L1', lowHz: 1574.4 * M, highHz: 1576.4 * M, regions: ['CN', 'EU'], background: false, note: 'satellite navigation (below the noise floor)' },
  { label: 'DCS1800 uplink', lowHz: 1710 * M, highHz: 1785 * M, regions: ['CN', 'EU'], background: false, note: 'handsets' },
  { label: 'DCS1800 downlink', lowHz: 1805 * M, highHz: 1880 * M, regions: ['CN', 'EU'], background: true, note: 'base stations' },
  // Above an RTL-SDR's reach (wideband soapy: receivers). TDD bands carry base stations and handsets in turn: their
  // background is the base stations' envelope; a handset in the room, metres from the sensor, rises above it.
  { label: 'LTE B39 TDD (F band)', lowHz: 1880 * M, highHz: 1920 * M, regions: ['CN'], background: true, note: 'TD-LTE base stations and handsets (China Mobile)' },
  { label: 'LTE B1 / NR n1 uplink', lowHz: 1920 * M, highHz: 1980 * M, regions: ['CN', 'EU'], background: false, note: 'handsets (FDD uplink)' },
  { label: 'LTE B34 TDD (A band)', lowHz: 2010 * M, highHz: 2025 * M, regions: ['CN'], background: true, note: 'TD-LTE base stations and handsets' },
  { label: 'LTE B1 / NR n1 downlink', lowHz: 2110 * M, highHz: 2170 * M, regions: ['CN', 'EU'], background: true, note: 'base stations' },
  { label: 'LTE B40 TDD (E band)', lowHz: 2300 * M, highHz: 2400 * M, regions: ['CN'], background: true, note: 'TD-LTE, mostly indoor cells' },
  { label: 'ISM 2.4 GHz', lowHz: 2400 * M, highHz: 2483.5 * M, regions: ['CN', 'EU'], background: false, note: 'Bluetooth / Wi-Fi earpieces and relays, video links' },
  { label: 'LTE B41 / NR n41 TDD (D band)', lowHz: 2515 * M, highHz: 2675 * M, regions: ['CN'], background: true, note: 'TD-LTE and 5G base stations and handsets (China Mobile)' },
  { label: 'NR n78 TDD', lowHz: 3300 * M, highHz: 3600 * M, regions: ['CN'], background: true, note: '5G base stations and handsets (CN: 3.3–3.4 GHz indoor)' },
  { label: 'NR n79 TDD', lowHz: 4800 * M, highHz: 5000 * M, regions: ['CN'], background: true, note: '5G (China Mobile 4.8–4.9 GHz)' },
  { label: 'SRD 5.8 GHz', lowHz: 5725 * M, highHz: 5850 * M, regions: ['CN'], background: false, note: 'video links, Wi-Fi, wireless cameras' },
];

/** The narrowest band of `region` containing `hz`, or undefined. */
export function bandAt(hz: number, region: Region = 'CN'): Band | undefined {
  let best: Band | undefined;
  for (const b of BANDS) {
    if (!b.regions.includes(region) || hz < b.lowHz || hz > b.highHz) continue;
    if (!best || b.highHz - b.lowHz < best.highHz - best.lowHz) best = b;
  }
  return best;
}

/**
 * Marks the fftshifted bins of a frame that fall in a background band: 1 = envelope baseline, 0 = noise baseline.
 * Returns all zeros when the centre frequency is unknown (`centerHz` 0).
 */
export function backgroundBins(fftSize: number, centerHz: number, rateSps: number, region: Region = 'CN'): Uint8Array {
  const mask = new Uint8Array(fftSize);
  if (!(centerHz > 0)) return mask;
  for (let i = 0; i < fftSize; i++) {
    const hz = centerHz + ((i - fftSize / 2) * rateSps) / fftSize;
    const band = bandAt(hz, region);
    if (band?.background) mask[i] = 1;
  }
  return mask;
}
