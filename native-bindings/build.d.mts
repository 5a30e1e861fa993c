// Type declarations for build.mjs (the addon build helpers), for TypeScript importers such as test/fake-librtlsdr/build.ts.

/** Absolute path of the native-bindings directory (where binding.gyp lives). */
export declare const NATIVE_DIR: string;
/** Absolute path of the repository root. */
export declare const REPO_ROOT: string;
/** Path of the addon built by `npm run build:native` (native-bindings/build/Release/quietband_rtlsdr.node). */
export declare const ADDON_PATH: string;
/** True when librtlsdr's development files are present (pkg-config or rtl-sdr.h). */
export declare function hasLibrtlsdr(): boolean;
/** node-gyp's CLI script (project devDependency, else npm's bundled copy), or null. */
export declare function findNodeGyp(): string | null;
/** True when node-addon-api resolves from the repository. */
export declare function hasNodeAddonApi(): boolean;
/** `--nodedir=...` pointing node-gyp at local Node headers, or [] when there are none. */
export declare function nodedirArgs(): string[];
/** Runs `node-gyp rebuild` in cwd (serialised with flock(1) when available). */
export declare function runNodeGyp(
  cwd: string,
  extraArgs?: string[],
  options?: { quiet?: boolean },
): { ok: boolean; output: string };
/** Directory of the quietband_dsp addon (native-bindings/dsp, its own binding.gyp). */
export declare const DSP_DIR: string;
/** Path of the quietband_dsp addon (native-bindings/dsp/build/Release/quietband_dsp.node). */
export declare const DSP_ADDON_PATH: string;
/** True when FFTW's single-precision development files are present (pkg-config fftw3f or fftw3.h). */
export declare function hasFftw3f(): boolean;
/** Directory of the quietband_soapy addon (native-bindings/soapy, its own binding.gyp). */
export declare const SOAPY_DIR: string;
/** Path of the quietband_soapy addon (native-bindings/soapy/build/Release/quietband_soapy.node). */
export declare const SOAPY_ADDON_PATH: string;
/** True when SoapySDR's development files are present (pkg-config SoapySDR or SoapySDR/Device.hpp). */
export declare function hasSoapySdr(): boolean;
/**
 * Builds the addon of `dir` (its binding.gyp) into `file`; a failed rebuild puts the previous `file` back.
 * @param hasLib whether the library the addon needs is present
 * @param missing the message returned when it is not
 * @param what the library named in the failure message
 * @returns null when built, else the message (the library missing, node-gyp or node-addon-api missing, or the failure)
 */
export declare function buildOne(
  dir: string,
  file: string,
  hasLib: () => boolean,
  missing: string,
  what: string,
  options?: { quiet?: boolean },
): string | null;
