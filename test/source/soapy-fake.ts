// Test helper: SoapyRTLSDR (Debian's soapysdr-module-rtlsdr) over the fake librtlsdr, inside the test process.
//
// LD_LIBRARY_PATH cannot change for a running process, so the fake is bound by soname instead: loading the addon
// linked against the fake (RPATH) puts the fake's librtlsdr.so.0 into the process first, and when SoapySDR later
// loads librtlsdrSupport.so its DT_NEEDED librtlsdr.so.0 resolves to that already-loaded library. FAKE_RTLSDR_*
// variables set in process.env then drive what Soapy's rtlsdr driver sees (setFakeEnv).
import { loadRtlSdr } from '../../native-bindings/index.js';
import { loadSoapy, type SoapyBinding } from '../../native-bindings/soapy.js';
import { buildAddonAgainstFake, buildFakeLibrtlsdr } from '../fake-librtlsdr/build.js';

/**
 * Binds the fake librtlsdr into this process, then loads the quietband_soapy addon (fails, never skips, when it is
 * not built: CI installs libsoapysdr-dev).
 * @returns the Soapy binding and the fake's directory (for child processes: LD_LIBRARY_PATH)
 * @throws Error when the real librtlsdr was bound first (the process loaded the real RTL-SDR addon)
 */
export async function soapyOverFake(): Promise<{ binding: SoapyBinding; fakeDir: string }> {
  const fakeDir = await buildFakeLibrtlsdr();
  const rtl = loadRtlSdr({ path: await buildAddonAgainstFake() });
  if (!rtl.librtlsdrPath?.startsWith(fakeDir)) throw new Error(`librtlsdr bound from ${rtl.librtlsdrPath}, not the fake in ${fakeDir}`);
  return { binding: loadSoapy(), fakeDir };
}
