import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * Test files that share one module registry per vitest worker (`isolate: false`): a worker runs them one after another
 * without starting a fresh process and importing src/ again for each. The fresh process cost ≈ 0.86 s of CPU per file
 * on the 2-core CI machine (82 of these files, one worker: 108.1 s of CPU isolated, 37.6 s sharing).
 * Only files that leave nothing behind for the next one are listed: no change to process.env, no fake timers or spies
 * left installed after the file, no listeners on `process`, no patched built-in module, no native addon or fake
 * SoapySDR/librtlsdr module loaded (a loaded addon stays for the process), no CPU or heap figures of the test process
 * (another file's leftovers would count), no browser (the web-ui files listed test layout functions in Node). Every
 * other file — and any new one until it is added here — runs in its own process.
 */
export const SHARED_REGISTRY = [
  'test/alerts/{alert-fold,alert-grouping,alert-store,alert-store-faults,alert-throttle,calibration-alerts,capture-rooms,clip-not-kept,coincident-sensors,localisation,localisation-trials,severity-raise,severity-rank,whole-hz}.test.ts',
  'test/architecture/layers.test.ts',
  'test/{atomic-write,bounded,text-columns,text-template,zh-punctuation}.test.ts',
  'test/cli/{calibrate,commands,notify-cli,replay-summary,replay-table,replay-threads-captures,replay-threads,sim-cli,terminal}.test.ts',
  'test/config/{http-config,sensor-checks,site-config}.test.ts',
  'test/daemon/{build-once,run-alerts,run-calibration-emitters,run-config,run-data-dir,run-overload,run-rooms,run-rtl-tcp-wrong-peer,run-storage-full,run-storage-readonly}.test.ts',
  'test/detector/{background-model,beside-track,burst-calibration,burst-path,clicks,dominance,emitter-level,events,full-scale,gain-ripple,groups,intermod,iq-image,keying-splatter,local-floor,long-path,native-classifier,newcomer,site-background,track,tracker}.test.ts',
  'test/dsp/{band-cut,fast-db,fft-backends,frame-kernel-batch,native-convert,resampler,sample-ring,select}.test.ts',
  'test/eval/{detection-stats,site-eval}.test.ts',
  'test/evidence/{clip-backlog,clip-band,clip-budget,clip-floor,clip-meta,clip-picture-files,clips,detection-evidence-log,png-encode,quota-pictures}.test.ts',
  'test/field/{baseline-health,control-room-server,evidence,field-units,known-emitters-and-session-arming,known,local-time,sessions,ui-clip}.test.ts',
  'test/fuzz/malformed-inputs.test.ts',
  'test/hub/{hub-history,hub-odd-messages,hub-store-reset,site-alert-schema}.test.ts',
  'test/ident/{audio,band-expectation,classify,detection-ident,joined-rows,real-recordings,replay-signal,spectrum}.test.ts',
  'test/metrics/{metrics-daemon,processing-metrics,site-metrics}.test.ts',
  'test/notify/{daemon-notify,message,notifier,notify-config}.test.ts',
  'test/packaging/{engines,packaging}.test.ts',
  'test/replay/{calibrate,csv,end-of-stream,input-refusals,overload,png,real-captures,synthetic,wideband-20msps}.test.ts',
  'test/report/{report-rooms,report-routes,report-signal,session-report-zh,session-report}.test.ts',
  'test/scan/{hop-loop,hop-merge-overload,hopping,run-scan,scan-config}.test.ts',
  'test/server/{access,ack-known,alerts-api,auth,client-messages,durability,http,listen-daemon,listen,login-page,message-text,rebinding-daemon,resume,security,spectrum}.test.ts',
  'test/site/{block-stream,data-dir,detection-relay,disk-watch,hop-runner,live-ident,live-ident-captures,non-finite-health,paced-source,sensor-health,sensor-pipeline,sensor-runner,sensor-runtime,sim-path,stall-clock}.test.ts',
  'test/source/{backoff,drop-warning,file-name,input-ranges,non-finite,rtl-tcp-loss,sample-formats,sigmf,sim,sim-core,sim-generators,source-contract}.test.ts',
  'test/spectrum-view.test.ts',
  'test/spectrum/spectrum-level.test.ts',
  'test/spectrum/overload.test.ts',
  'test/web-ui/{alert-model,site-plan,site-plan-layout,spectrum-label-layout}.test.ts',
];

/**
 * Test files of group 1 (scripts/test-suite.mjs) that took 25 s or more there, slowest first (25–109 s in a run at load
 * 10–17 on the 2-core dev machine, whose group 1 took 2.7 × the clean-clone CI's). {@link SlowFirstSequencer} starts them
 * first within their project. Without it vitest orders files it has no timings for (every clean clone) by size, largest
 * first, and the shared-registry project (run second) ended on four small slow files started last
 * (replay-threads-captures, wideband-20msps, malformed-inputs, site-background): one worker busy for the last ≈ 40 s
 * while the others idled.
 */
export const SLOW_FIRST = [
  'detector/tracker', 'detector/emitter-level', 'cli/replay-threads-captures', 'detector/site-background', 'evidence/clip-band',
  'fuzz/malformed-inputs', 'detector/background-model', 'detector/burst-calibration', 'ident/classify', 'daemon/run-config',
  'replay/wideband-20msps', 'daemon/run-data-dir', 'daemon/run-calibration-emitters', 'cli/replay-summary', 'daemon/run-alerts',
  'cli/terminal', 'source/site-background', 'replay/synthetic', 'ident/audio', 'detector/gain-ripple', 'detector/burst-path',
  'dsp/fft-backends', 'server/listen-daemon', 'replay/end-of-stream', 'alerts/localisation-trials', 'field/sessions',
  'daemon/run-soapy', 'metrics/metrics-daemon', 'field/known', 'dsp/frame-kernel-batch', 'web-ui/site-plan-labels',
  'field/ui-clip', 'ident/replay-signal', 'cli/replay-threads',
].map((f) => `test/${f}.test.ts`);

/**
 * vitest's order (projects one after the other, each by its cached durations or else by file size), with the files of
 * {@link SLOW_FIRST} moved to the front of their project in that list's order: a long file started late keeps one
 * worker busy after the others ran out of files (longest-first scheduling). That run's per-file times laid out on three
 * workers (1 s between files): 879 s in this order against 912 s in vitest's, ≈ 12 s of the CI's ≈ 350 s; an estimate,
 * not a measured group.
 */
class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const i = SLOW_FIRST.indexOf(path.relative(spec.project.config.root, spec.moduleId));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    const projectAt = new Map<string, number>();
    sorted.forEach((spec) => projectAt.set(spec.project.name, projectAt.get(spec.project.name) ?? projectAt.size));
    return sorted
      .map((spec, i) => ({ spec, i }))
      .sort((a, b) => projectAt.get(a.spec.project.name)! - projectAt.get(b.spec.project.name)! || rank(a.spec) - rank(b.spec) || a.i - b.i)
      .map(({ spec }) => spec);
  }
}

/**
 * The command line's `--exclude` globs (scripts/test-suite.mjs keeps the lanes' files out of group 1 with them). Vitest
 * 4 applies them to the root config only, not to the projects below, so each project adds them to its own `exclude`.
 */
const CLI_EXCLUDE = process.argv.flatMap((arg, i, all) => (arg === '--exclude' ? [all[i + 1]!] : arg.startsWith('--exclude=') ? [arg.slice('--exclude='.length)] : []));

export default defineConfig({
  test: {
    // the files are the projects' (below): an `include` here would be added to each project's
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // the CLI speaks the locale's language when no --lang is given (LANG=zh_CN.UTF-8: Chinese): the tests (and the CLIs
    // they start) run in a neutral one, so their English expectations hold on a Chinese desktop too
    env: { LANG: 'C.UTF-8', LC_ALL: '', LC_MESSAGES: '' },
    pool: 'forks',
    sequence: { sequencer: SlowFirstSequencer },
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'isolated', include: ['test/**/*.test.ts'], exclude: [...SHARED_REGISTRY, ...CLI_EXCLUDE] } },
      { extends: true, test: { name: 'shared-registry', include: SHARED_REGISTRY, exclude: CLI_EXCLUDE, isolate: false } },
    ],
  },
});
