// Server-produced texts in both languages: source errors by code, a cause rendered inside the offline alert, the deaf note.
import { describe, expect, it } from 'vitest';
import { judgeHearing } from '../../src/field/baseline-health.js';
import { describeSignal } from '../../src/ident/describe-signal.js';
import { signalReason } from '../../src/ident/reasons.js';
import { delayText, nearText } from '../../src/text-template.js';
import { ALERT_MESSAGE_TEXT, alertMessageIn, codedReason, codeDetail, codesDetail, codesText, logCodeText, offlineSourceCode, sensorErrorCode, sourceRetryCode } from '../../src/server/message-text.js';
import { prettyMessage } from '../../src/log.js';

const NOT_FOUND = 'cannot open rtl=HALL01: RTL-SDR serial HALL01 not found; attached: none; check that the dongle is plugged in';

describe('source errors as message codes', () => {
  it('the terminal\'s Chinese not-found line lists the receivers attached, as the English one does; the repeat keeps the list', () => {
    const first = logCodeText(sourceRetryCode('DEVICE_NOT_FOUND', NOT_FOUND, 1000), 'zh-CN');
    expect(first).toBe('找不到接收器（已连接的接收器：无）：请确认 RTL-SDR 接收器已插好（"lsusb" 应列出 "0bda:2838" 或 "0bda:2832"），换一个 USB 口或线缆，并确认内核 DVB 驱动没有占用它（屏蔽 "dvb_usb_rtl28xxu"）；1 秒后重试');
    const wrongSerial = 'cannot open rtl=HALL02: RTL-SDR serial HALL02 not found; attached: [0] 00000001 (Realtek RTL2838UHIDIR)';
    const code = sourceRetryCode('DEVICE_NOT_FOUND', wrongSerial, 2000);
    expect(logCodeText(code, 'zh-CN')).toMatch(/^找不到接收器（已连接的接收器：\[0\] 00000001 \(Realtek RTL2838UHIDIR\)）：请确认/);
    expect(logCodeText(code, 'en')).toBe(`${wrongSerial}; reopening in 2 s`);
    // the repeated line (src/log.ts) drops the advice, not the list
    const msg = 'still offline: cannot open rtl=HALL02: RTL-SDR serial HALL02 not found; reopening in 2 s';
    expect(prettyMessage({ msg, sensor: 's1', attempt: 2, messageCode: code }, 'zh-CN', logCodeText)).toBe('【s1】仍离线：找不到接收器（已连接的接收器：[0] 00000001 (Realtek RTL2838UHIDIR)）；2 秒后重试  attempt=2');
    // other codes as alertMessageIn words them (the web page's text has no list: its tooltip shows the English reason)
    expect(logCodeText(sourceRetryCode('DEVICE_BUSY', 'busy', 400), 'zh-CN')).toBe(alertMessageIn('zh-CN', undefined, sourceRetryCode('DEVICE_BUSY', 'busy', 400)));
    expect(alertMessageIn('zh-CN', undefined, sourceRetryCode('DEVICE_NOT_FOUND', NOT_FOUND, 1000))).toMatch(/^找不到接收器：请确认/);
  });

  it('maps each QuietBandError code of a retrying source to its text, the rest to source.io, a plain end to source.ended', () => {
    const ids = ['DEVICE_NOT_FOUND', 'DEVICE_BUSY', 'PERMISSION', 'DISCONNECTED', 'USB_TRANSFER', 'NOT_RTL_TCP', 'IO', 'SOMETHING_NEW', undefined]
      .map((c) => sourceRetryCode(c, 'x', 400).id);
    expect(ids).toEqual(['source.notFound', 'source.busy', 'source.permission', 'source.disconnected', 'source.usb', 'source.notRtlTcp', 'source.io', 'source.io', 'source.ended']);
    expect(sourceRetryCode('DEVICE_NOT_FOUND', NOT_FOUND, 1599.6).params).toEqual({ detail: NOT_FOUND, ms: 1600 });
  });

  it('renders English with the daemon\'s words and Chinese with the advice translated; a delay ≥ 1 s in seconds', () => {
    const code = sourceRetryCode('DEVICE_NOT_FOUND', NOT_FOUND, 1600);
    expect(codesText([code])).toBe(`${NOT_FOUND}; reopening in 1.6 s`);
    expect(codesText([sourceRetryCode('DEVICE_NOT_FOUND', NOT_FOUND, 16000)], 'zh-CN')).toMatch(/；16 秒后重试$/);
    expect(codesText([sourceRetryCode('DEVICE_NOT_FOUND', NOT_FOUND, 16000)])).toMatch(/; reopening in 16 s$/);
    const zh = codesText([code], 'zh-CN');
    expect(zh).toBe('找不到接收器：请确认 RTL-SDR 接收器已插好（"lsusb" 应列出 "0bda:2838" 或 "0bda:2832"），换一个 USB 口或线缆，并确认内核 DVB 驱动没有占用它（屏蔽 "dvb_usb_rtl28xxu"）；1.6 秒后重试');
    expect(codesText([sourceRetryCode('DISCONNECTED', 'gone', 200)], 'zh-CN')).toBe('接收器停止送出采样：RTL-SDR 接收器被拔出或卡死；200 毫秒后按序列号重新打开（仍不恢复请重新插拔）');
    // an unclassified error: a Chinese sentence, its English words only as the details line
    const io = sourceRetryCode('IO', 'f.cu8: read failed at byte 4096 (EIO)', 800);
    expect(codesText([io], 'zh-CN')).toBe('读取信号源出错：请查看详情（守护进程的原文），检查信号源及其连接；800 毫秒后重试');
    expect(codeDetail('zh-CN', io)).toBe('f.cu8: read failed at byte 4096 (EIO)');
    expect(codeDetail('en', io)).toBeUndefined(); // the English text holds it
    // a Node system error as the details: Chinese words with the code in a Chinese page (was "EACCES: permission denied, …")
    const denied = sourceRetryCode('PERMISSION', "EACCES: permission denied, open '/dev/bus/usb/001/004'", 2000);
    expect(codeDetail('zh-CN', denied)).toBe('没有访问权限［EACCES］：/dev/bus/usb/001/004');
    expect(codeDetail('en', denied)).toBeUndefined();
    expect(codesText([io])).toBe('f.cu8: read failed at byte 4096 (EIO); reopening in 800 ms');
    expect(codesText([sourceRetryCode(undefined, 'the source ended', 200)])).toBe('the source ended; reopening in 200 ms');
  });

  it('renders the cause inside the sensor-offline alert (one level), in both languages', () => {
    const cause = sourceRetryCode('DEVICE_BUSY', 'RTL-SDR index 0 is busy', 3200);
    const alertCode = { id: 'offline.sourceError', params: { sensor: 'room-101', source: 'rtl=0', ...cause.params, cause: cause.id } };
    expect(alertMessageIn('en', 'fallback', alertCode)).toBe('sensor room-101 (rtl=0) stopped delivering: RTL-SDR index 0 is busy; reopening in 3.2 s');
    expect(alertMessageIn('zh-CN', 'fallback', alertCode)).toMatch(/^传感器 room-101（rtl=0）停止输出数据：接收器被占用：.*3.2 秒后重试$/);
    // a cause naming an unknown id, or the alert's own id, stays as written (no recursion)
    expect(alertMessageIn('en', 'x', { id: 'offline.sourceError', params: { sensor: 's', source: 'q', cause: 'no.such' } })).toBe('sensor s (q) stopped delivering: {=cause}');
    expect(alertMessageIn('en', 'x', { id: 'offline.sourceError', params: { sensor: 's', source: 'q', cause: 'offline.sourceError' } })).toBe('sensor s (q) stopped delivering: sensor s (q) stopped delivering: {=cause}');
  });

  it('words every sensor-offline cause in the reader\'s language: a worker exit, a fatal error, uncoded words, no note', () => {
    const exited = offlineSourceCode('room-101', 'rtl=0', 'sensor worker exited (code 1); restarting in 2 s', { id: 'worker.exited', params: { code: '1', ms: 2000 } });
    expect(exited).toEqual({ id: 'offline.sourceError', params: { sensor: 'room-101', source: 'rtl=0', code: '1', ms: 2000, cause: 'worker.exited' } });
    expect(alertMessageIn('en', undefined, exited)).toBe('sensor room-101 (rtl=0) stopped delivering: sensor worker exited (code 1); restarting in 2 s');
    expect(alertMessageIn('zh-CN', undefined, exited)).toBe('传感器 room-101（rtl=0）停止输出数据：传感器处理进程已退出（代码 1）；2 秒后重启');
    const config = offlineSourceCode('s', 'q', 'sensors[0].gainDb: expected a number', sensorErrorCode('CONFIG', 'sensors[0].gainDb: expected a number'));
    expect(alertMessageIn('zh-CN', undefined, config)).toBe('传感器 s（q）停止输出数据：配置有误，传感器未运行：请按详情修改考点配置文件中该传感器的设置，然后重启 quietband');
    expect(codeDetail('zh-CN', config)).toBe('sensors[0].gainDb: expected a number');
    // an error of another code: its English words stay a details line in Chinese, never inside the sentence
    const words = offlineSourceCode('s', 'q', 'f.cu8: read failed (EIO)', undefined);
    expect(words).toEqual({ id: 'offline.sourceError', params: { sensor: 's', source: 'q', detail: 'f.cu8: read failed (EIO)', cause: 'sensor.failed' } });
    expect(alertMessageIn('en', undefined, words)).toBe('sensor s (q) stopped delivering: f.cu8: read failed (EIO)');
    expect(alertMessageIn('zh-CN', undefined, words)).toBe('传感器 s（q）停止输出数据：传感器出错，未运行：请查看详情（守护进程的原文）');
    expect(codeDetail('zh-CN', words)).toBe('f.cu8: read failed (EIO)');
    const none = offlineSourceCode('s', 'q', '', undefined);
    expect(alertMessageIn('en', undefined, none)).toBe('sensor s (q) stopped delivering: the source stopped');
    expect(alertMessageIn('zh-CN', undefined, none)).toBe('传感器 s（q）停止输出数据：信号源已停止');
    // the supervisor's own reasons: delays in seconds from 1 s
    expect(alertMessageIn('en', undefined, { id: 'offline.silentWorker', params: { sensor: 's', source: 'q', ms: 12_400 } })).toBe('sensor s (q) stopped delivering: its worker has not reported for 12.4 s');
    expect(alertMessageIn('zh-CN', undefined, { id: 'offline.noDataAfterOpen', params: { sensor: 's', source: 'q', ms: 5000 } })).toBe('传感器 s（q）停止输出数据：打开信号源 5 秒后仍无数据');
    expect(alertMessageIn('zh-CN', undefined, { id: 'overload.on', params: { pct: '15.0', ms: 1000 } })).toBe('ADC 过载：15.0% 的采样处于满幅已超过 1 秒；请降低增益（期间的检测可能是互调产物）');
    expect(alertMessageIn('en', undefined, { id: 'offline.noData', params: { sensor: 's', source: 'q', ms: '?' } })).toBe('sensor s (q) stopped delivering: no data for ? ms');
  });

  it('gives fatal sensor errors a code (CONFIG, BAD_INPUT, BASELINE_MISMATCH, NATIVE_UNAVAILABLE) and leaves others uncoded', () => {
    expect(sensorErrorCode('CONFIG', 'sensors[0].gainDb: expected a number')).toEqual({ id: 'sensor.config', params: { detail: 'sensors[0].gainDb: expected a number' } });
    const mismatch = sensorErrorCode('BASELINE_MISMATCH', 'b.json: rateSps 250000 ≠ 1000000')!;
    expect(codesText([mismatch], 'zh-CN')).toBe('存储的基线与当前设置不符，传感器未运行：请重新校准（"quietband calibrate"），或删除详情中所列的基线文件');
    expect(codesDetail('zh-CN', [mismatch])).toBe('b.json: rateSps 250000 ≠ 1000000');
    expect(codesText([mismatch])).toBe('b.json: rateSps 250000 ≠ 1000000');
    expect(codesDetail('en', [mismatch])).toBeUndefined();
    expect(sensorErrorCode('IO', 'x')).toBeUndefined();
    expect(sensorErrorCode(undefined, 'x')).toBeUndefined();
  });
});

describe('RTL-SDR wording and delays', () => {
  it('no Chinese text calls the receiver 加密狗 (a licence key); delays read in ms below 1 s, in s from 1 s', () => {
    expect(Object.values(ALERT_MESSAGE_TEXT['zh-CN']).filter((t) => t.includes('狗'))).toEqual([]);
    expect(['source.busy', 'source.permission', 'source.usb'].map((id) => ALERT_MESSAGE_TEXT['zh-CN'][id as 'source.busy'].includes('RTL-SDR 接收器'))).toEqual([true, true, true]);
    expect([999, 1000, 1049, 1600, 16000, 61_000].map((ms) => delayText('en', ms))).toEqual(['999 ms', '1 s', '1 s', '1.6 s', '16 s', '61 s']);
    expect([400, 16000].map((ms) => delayText('zh-CN', ms))).toEqual(['400 毫秒', '16 秒']);
    expect(alertMessageIn('zh-CN', undefined, { id: 'worker.exited', params: { code: 3, ms: 8000 } })).toBe('传感器处理进程已退出（代码 3）；8 秒后重启');
  });
});

describe('ident.noEmission names where', () => {
  it('an absolute frequency in MHz when the tuning centre is known, else ± kHz from the sensor centre, in both languages', () => {
    const code = { id: 'ident.noEmission', params: { offset: 251239, snr: '-60.0' } };
    expect(alertMessageIn('zh-CN', undefined, code)).toBe('距传感器中心频率 +251.2 kHz 附近噪声之上无发射（带内信噪比 -60.0 dB）');
    expect(alertMessageIn('en', undefined, code)).toBe("no emission above the noise near +251.2 kHz from the sensor's centre (in-band SNR -60.0 dB)");
    const tuned = { id: 'ident.noEmission', params: { ...code.params, tunedHz: 433_920_000 } };
    expect(alertMessageIn('zh-CN', undefined, tuned)).toBe('434.1712 MHz 附近噪声之上无发射（带内信噪比 -60.0 dB）');
    expect(alertMessageIn('en', undefined, tuned)).toBe('no emission above the noise near 434.1712 MHz (in-band SNR -60.0 dB)');
    expect(nearText('en', -1500, undefined)).toBe("−1.5 kHz from the sensor's centre");
    // the daemon's summary of a refused clip carries the sensor's tuning centre when it is absolute
    const refused = { class: 'unknown' as const, confidence: 0, ...signalReason('ident.noEmission', { offset: 251239, snr: '-60.0' }) };
    const known = describeSignal(refused, 434_171_239, { centerKnown: true, centerHz: 433_920_000 });
    expect([known.reason, (known.reasonCode as { params: Record<string, unknown> }).params.tunedHz]).toEqual(['no emission above the noise near 434.1712 MHz (in-band SNR -60.0 dB)', 433_920_000]);
    expect(describeSignal(refused, 251239, { centerKnown: false, centerHz: 0 }).reason).toBe("no emission above the noise near +251.2 kHz from the sensor's centre (in-band SNR -60.0 dB)");
  });
});

describe('zh-CN texts carry no English detail', () => {
  it('every source.* and sensor.* code with a detail has a Chinese text without it; the detail comes back as the details line', () => {
    const detail = 'cannot open /dev/bus/usb/001/004: Permission denied';
    const withDetail = Object.keys(ALERT_MESSAGE_TEXT.en).filter((id) => ALERT_MESSAGE_TEXT.en[id as keyof typeof ALERT_MESSAGE_TEXT.en].includes('{detail}'));
    expect(withDetail.sort()).toEqual([
      'sensor.badInput', 'sensor.baselineMismatch', 'sensor.config', 'sensor.failed', 'sensor.nativeUnavailable',
      'source.busy', 'source.disconnected', 'source.io', 'source.notFound', 'source.notRtlTcp', 'source.permission', 'source.usb',
    ]);
    for (const id of withDetail) {
      const code = { id, params: { detail, ms: 400 } };
      const zh = alertMessageIn('zh-CN', undefined, code)!;
      expect({ id, zh: /[A-Za-z]{4,}/.test(zh.replace(/"[^"]*"/g, '').replace(/quietband/gi, '')) }).toEqual({ id, zh: false });
      expect({ id, detail: codeDetail('zh-CN', code) }).toEqual({ id, detail });
    }
    // inside the sensor-offline alert too
    const cause = sourceRetryCode('IO', detail, 400);
    const offline = { id: 'offline.sourceError', params: { sensor: 'room-101', source: 'rtl=0', ...cause.params, cause: cause.id } };
    expect(alertMessageIn('zh-CN', undefined, offline)).toBe('传感器 room-101（rtl=0）停止输出数据：读取信号源出错：请查看详情（守护进程的原文），检查信号源及其连接；400 毫秒后重试');
    expect(codeDetail('zh-CN', offline)).toBe(detail);
  });
});

describe('deaf receiver note', () => {
  it('codes one line per silent emitter and the advice; English and Chinese name frequency, period and silence', () => {
    const n = judgeHearing([
      { centerHz: 433_990_400, periodS: 47, continuous: false, silentS: 172 },
      { centerHz: 868_300_000, periodS: 60, continuous: false, silentS: 30 },
      { centerHz: 315_000_000, periodS: 30.4, continuous: false, silentS: 400 },
    ])!;
    expect(n.messageCodes.map((c) => c.id)).toEqual(['hearing.deaf', 'hearing.deaf', 'hearing.advice']);
    expect(n.messageCodes[1]!.params).toEqual({ mhz: '315.0000', periodS: '30', silentS: '400' });
    expect(n.message).toBe(
      "Not hearing the calibration's periodic emitter 433.9904 MHz (every 47 s, silent 172 s). Not hearing the calibration's periodic emitter 315.0000 MHz (every 30 s, silent 400 s). Check the antenna, its cable and the gain: a deaf sensor raises no alerts.",
    );
    expect(codesText(n.messageCodes, 'zh-CN')).toBe(
      '听不到校准时的周期性发射源 433.9904 MHz（每 47 秒一次，已 172 秒未出现）。听不到校准时的周期性发射源 315.0000 MHz（每 30 秒一次，已 400 秒未出现）。请检查天线、馈线和增益：听不到信号的传感器不会产生任何告警。',
    );
  });
});

describe('the busy and permission offline lines name the receiver', () => {
  it('in Chinese the source as the sensor names it; in English the daemon\'s reason names it; an older record without it reads as before', () => {
    const busy = sourceRetryCode('DEVICE_BUSY', 'cannot open rtlsdr:00000001: RTL-SDR serial 00000001 is busy (usb_claim_interface error -6): stop it', 3200, 'rtlsdr:00000001');
    expect(codesText([busy], 'zh-CN')).toMatch(/^接收器 rtlsdr:00000001 被占用：另一个程序/);
    expect(codesText([busy])).toBe('cannot open rtlsdr:00000001: RTL-SDR serial 00000001 is busy (usb_claim_interface error -6): stop it; reopening in 3.2 s');
    const perm = sourceRetryCode('PERMISSION', 'cannot open rtlsdr:0: no permission to open RTL-SDR index 0 (usb_open error -3)', 400, 'rtlsdr:0');
    expect(codesText([perm], 'zh-CN')).toMatch(/^无权打开 rtlsdr:0 接收器：请安装 "udev" 规则/);
    expect(codesText([perm])).toMatch(/rtlsdr:0/);
    expect(codesText([sourceRetryCode('DEVICE_BUSY', 'busy', 400)], 'zh-CN')).toMatch(/^接收器被占用：/);
    // inside the sensor-offline alert too
    const offline = offlineSourceCode('room-101', 'rtlsdr:00000001', busy.params!.detail as string, busy);
    expect(alertMessageIn('zh-CN', undefined, offline)).toMatch(/^传感器 room-101（rtlsdr:00000001）停止输出数据：接收器 rtlsdr:00000001 被占用：/);
  });
});
