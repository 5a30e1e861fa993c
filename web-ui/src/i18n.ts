// UI strings in English and Simplified Chinese, language choice (saved, default from the browser), and t() lookup.

/** Languages the page speaks. */
export type Lang = 'en' | 'zh-CN';

const en = {
  title: 'QuietBand monitor',
  site: 'Site',
  siteTime: 'Site time',
  'conn.connecting': 'Connecting…',
  'conn.live': 'Live',
  'conn.reconnecting': 'Disconnected — reconnecting in {s} s',
  'conn.auth': 'Sign-in required',
  'sound.on': 'Alarm sound on',
  'sound.off': 'Alarm sound OFF — click to enable',
  'lang.switch': '中文',
  'banner.newAlerts': '{n} new alert(s) not acknowledged',
  'banner.offline': 'Sensor {name} OFFLINE',
  'sensors.title': 'Sensors',
  'sensors.none': 'No sensors announced yet.',
  'sensor.online': 'ONLINE',
  'sensor.offline': 'OFFLINE',
  'sensor.stale': 'NO DATA',
  'sensor.starting': 'STARTING',
  'sensor.rate': 'Rate',
  'sensor.drops': 'Dropped blocks',
  'sensor.overload': 'Overload',
  'sensor.clip': 'Clipping',
  'sensor.age': 'Last frame',
  'sensor.revisit': 'Revisit (scan)',
  'sensor.state': 'State',
  'sensor.centre': 'Centre',
  'sensor.never': 'never',
  'sensor.ago': '{t} ago',
  'state.starting': 'starting',
  'state.learning': 'learning baseline',
  'state.armed': 'armed',
  'state.offline': 'offline',
  'state.overload': 'overload',
  yes: 'YES',
  no: 'no',
  'alerts.title': 'Alerts',
  'alerts.none': 'No alerts.',
  'alerts.more': '{n} older alert(s) not shown',
  'col.state': 'State',
  'col.sensor': 'Sensor',
  'col.freq': 'Centre',
  'col.bw': 'Bandwidth',
  'col.band': 'Band',
  'col.excess': 'Excess',
  'col.start': 'Start',
  'col.duration': 'Duration',
  'col.centreBw': 'Centre / bandwidth',
  'col.when': 'Start / duration',
  'col.actions': '',
  'alert.new': 'NEW',
  'alert.acknowledged': 'acknowledged',
  'alert.known': 'known',
  'alert.open': 'on air',
  'alert.closed': 'ended',
  'alert.ack': 'Acknowledge',
  'alert.markKnown': 'Mark as known',
  'alert.knownAs': 'known: {label}',
  'alert.pending': 'sending…',
  'kind.transmission': 'Transmission',
  'kind.sensor-offline': 'Sensor offline',
  'kind.overload': 'Sensor overload',
  'kind.site-offline': 'Site offline',
  'kind.storage-failed': 'Storage failed',
  'kind.present-during-calibration': 'Present during calibration',
  'alert.escalate': 'Escalate',
  'heard.continuous': 'on throughout',
  'heard.duty': 'duty {pct} %',
  'heard.period': 'every {s} s',
  'heard.appearances': '{n} appearance(s)',
  'detail.heard': 'Heard during calibration',
  'detail.heardLongest': 'Longest appearance',
  'detail.baseline': 'Baseline',
  'detail.baselineMethod.calibrate': 'calibration',
  'detail.baselineMethod.warmup': 'warm-up',
  'detail.baselineMethod.auto': 'automatic',
  'detail.hop': 'Hop centre',
  'detail.heardNote': 'This emitter was on while the baseline was learned, so the detector treats it as background. Mark it as known if it belongs here; escalate it if it should not be on.',
  'detail.title': 'Alert {id}',
  'detail.close': 'Close',
  'detail.kind': 'Kind',
  'detail.severity': 'Severity',
  'detail.peakPower': 'Peak power',
  'detail.range': 'Occupied band',
  'detail.end': 'End',
  'detail.session': 'Exam session',
  'detail.knownLabel': 'Known emitter',
  'detail.ackBy': 'Handled by',
  'detail.message': 'Note',
  'detail.clip': 'Evidence clip',
  'detail.history': 'History',
  'detail.spectrum': 'Spectrum at the alert’s peak',
  'detail.noSpectrum': 'No spectrum of this sensor was received while this alert was open.',
  'detail.updates': '{n} update(s)',
  'detail.rooms': 'Which room (nearest first)',
  'detail.roomsNote': 'Sensors that saw this transmission, by received power over each sensor’s own baseline.',
  'detail.position': 'Estimated position',
  'detail.roomNearest': 'nearest',
  'plan.title': 'Site plan',
  'plan.estimate': 'estimate',
  'plan.notHeard': 'did not see it',
  'event.open': 'opened',
  'event.update': 'updated',
  'event.close': 'ended',
  'event.ack': 'acknowledged',
  'event.known': 'marked as known',
  'event.escalate': 'escalated',
  'severity.high': 'high (exam in session)',
  'severity.low': 'low (no session)',
  'severity.info': 'info (known emitter)',
  'plot.power': 'Power',
  'plot.baseline': 'Baseline',
  'plot.threshold': 'Threshold',
  'plot.freq': 'MHz',
  'plot.level': 'dBFS',
  'login.title': 'Sign in to this QuietBand site',
  'login.text': 'The daemon needs its access token (printed when it first started; stored in the data folder as "token").',
  'login.token': 'Access token',
  'login.submit': 'Sign in',
  'login.bad': 'That token was refused.',
  'error.server': 'Server: {m}',
  'sites.title': 'Sites',
  'sites.all': 'All sites',
  'site.online': 'ONLINE',
  'site.offline': 'OFFLINE',
  'site.unknown': 'NO HEARTBEAT YET',
  'site.heartbeat': 'Last heartbeat',
  'site.sensors': 'Sensors online',
  'site.alerts': 'Alerts relayed',
  'site.never': 'none since the hub started',
  'banner.siteOffline': 'Site {name} OFFLINE',
  'banner.storageFailed': 'STORAGE FAILED at {name}: alerts are not being saved to disk (kept in memory until it accepts writes) — free disk space or fix the data dir now',
  'report.button': 'Session report',
  'report.title': 'Session report',
  'report.session': 'Exam session',
  'report.open': 'Open report',
  'report.pdf': 'PDF',
  'report.loading': 'Loading sessions…',
  'report.none': 'No exam session to report yet: sessions come from the site config and from alerts raised during a session.',
  'report.failed': 'Could not list the sessions: {m}',
  'report.alerts': '{n} alert(s)',
  'ui.notBuilt': '',
} as const;

/** A UI string key. */
export type MsgKey = keyof typeof en;

const zh: Record<MsgKey, string> = {
  title: 'QuietBand 监测',
  site: '考点',
  siteTime: '考点时间',
  'conn.connecting': '正在连接…',
  'conn.live': '已连接',
  'conn.reconnecting': '连接中断 — {s} 秒后重连',
  'conn.auth': '需要登录',
  'sound.on': '报警声音已开启',
  'sound.off': '报警声音未开启 — 点击开启',
  'lang.switch': 'English',
  'banner.newAlerts': '{n} 条新告警未确认',
  'banner.offline': '传感器 {name} 离线',
  'sensors.title': '传感器',
  'sensors.none': '尚无传感器信息。',
  'sensor.online': '在线',
  'sensor.offline': '离线',
  'sensor.stale': '无数据',
  'sensor.starting': '启动中',
  'sensor.rate': '采样率',
  'sensor.drops': '丢弃数据块',
  'sensor.overload': '过载',
  'sensor.clip': '削波',
  'sensor.age': '最近一帧',
  'sensor.revisit': '重访周期（扫描）',
  'sensor.state': '状态',
  'sensor.centre': '中心频率',
  'sensor.never': '从未',
  'sensor.ago': '{t}前',
  'state.starting': '启动中',
  'state.learning': '学习基线',
  'state.armed': '监测中',
  'state.offline': '离线',
  'state.overload': '过载',
  yes: '是',
  no: '否',
  'alerts.title': '告警',
  'alerts.none': '暂无告警。',
  'alerts.more': '另有 {n} 条较早的告警未显示',
  'col.state': '状态',
  'col.sensor': '传感器',
  'col.freq': '中心频率',
  'col.bw': '带宽',
  'col.band': '频段',
  'col.excess': '超出基线',
  'col.start': '开始时间',
  'col.duration': '持续时间',
  'col.centreBw': '中心频率 / 带宽',
  'col.when': '开始 / 持续',
  'col.actions': '',
  'alert.new': '新告警',
  'alert.acknowledged': '已确认',
  'alert.known': '已知信号',
  'alert.open': '发射中',
  'alert.closed': '已结束',
  'alert.ack': '确认',
  'alert.markKnown': '标记为已知',
  'alert.knownAs': '已知：{label}',
  'alert.pending': '发送中…',
  'kind.transmission': '无线发射',
  'kind.sensor-offline': '传感器离线',
  'kind.overload': '传感器过载',
  'kind.site-offline': '考点离线',
  'kind.storage-failed': '存储故障',
  'kind.present-during-calibration': '校准期间已存在',
  'alert.escalate': '升级处理',
  'heard.continuous': '全程存在',
  'heard.duty': '占空比 {pct}%',
  'heard.period': '每 {s} 秒一次',
  'heard.appearances': '出现 {n} 次',
  'detail.heard': '校准期间听到的情况',
  'detail.heardLongest': '最长一次',
  'detail.baseline': '基线',
  'detail.baselineMethod.calibrate': '校准',
  'detail.baselineMethod.warmup': '预热',
  'detail.baselineMethod.auto': '自动',
  'detail.hop': '跳频段中心',
  'detail.heardNote': '学习基线时该发射源已在工作，检测器因此把它当作背景。若属本考点的合法设备，请标记为已知；若不应出现，请升级处理。',
  'detail.title': '告警 {id}',
  'detail.close': '关闭',
  'detail.kind': '类型',
  'detail.severity': '级别',
  'detail.peakPower': '峰值功率',
  'detail.range': '占用频段',
  'detail.end': '结束时间',
  'detail.session': '考试场次',
  'detail.knownLabel': '已知发射源',
  'detail.ackBy': '处理人',
  'detail.message': '备注',
  'detail.clip': '证据录音',
  'detail.history': '记录',
  'detail.spectrum': '告警峰值时的频谱',
  'detail.noSpectrum': '该告警期间未收到此传感器的频谱。',
  'detail.updates': '{n} 次更新',
  'detail.rooms': '所在考场（由近及远）',
  'detail.roomsNote': '收到该发射的传感器，按各自基线之上的接收功率排序。',
  'detail.position': '估计位置',
  'detail.roomNearest': '最近',
  'plan.title': '考点平面图',
  'plan.estimate': '估计位置',
  'plan.notHeard': '未收到',
  'event.open': '开始',
  'event.update': '更新',
  'event.close': '结束',
  'event.ack': '已确认',
  'event.known': '标记为已知',
  'event.escalate': '已升级',
  'severity.high': '高（考试进行中）',
  'severity.low': '低（非考试时段）',
  'severity.info': '提示（已知发射源）',
  'plot.power': '功率',
  'plot.baseline': '基线',
  'plot.threshold': '门限',
  'plot.freq': 'MHz',
  'plot.level': 'dBFS',
  'login.title': '登录 QuietBand 考点',
  'login.text': '请输入守护进程的访问令牌（首次启动时打印，保存在数据目录的 "token" 文件中）。',
  'login.token': '访问令牌',
  'login.submit': '登录',
  'login.bad': '令牌无效。',
  'error.server': '服务器：{m}',
  'sites.title': '考点',
  'sites.all': '全部考点',
  'site.online': '在线',
  'site.offline': '离线',
  'site.unknown': '尚未收到心跳',
  'site.heartbeat': '最近心跳',
  'site.sensors': '在线传感器',
  'site.alerts': '已转发告警',
  'site.never': '中心启动后未收到',
  'banner.siteOffline': '考点 {name} 离线',
  'banner.storageFailed': '{name} 存储故障：告警无法写入磁盘（暂存于内存，磁盘恢复后写入）——请立即释放磁盘空间或修复数据目录',
  'report.button': '场次报告',
  'report.title': '考试场次报告',
  'report.session': '考试场次',
  'report.open': '打开报告',
  'report.pdf': 'PDF',
  'report.loading': '正在加载场次…',
  'report.none': '暂无可生成报告的考试场次：场次来自考点配置及考试期间产生的告警。',
  'report.failed': '无法获取场次列表：{m}',
  'report.alerts': '{n} 条告警',
  'ui.notBuilt': '',
};

const DICTS: Record<Lang, Record<MsgKey, string>> = { en, 'zh-CN': zh };
const STORAGE_KEY = 'quietband.lang';

let current: Lang = 'en';

/** Language for a BCP 47 tag: any `zh*` → 'zh-CN', else 'en'. */
export function langFor(tag: string | undefined): Lang {
  return tag !== undefined && tag.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

/** Initial language: the saved choice (localStorage), else the browser's (`navigator.languages[0]`). */
export function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'zh-CN') return saved;
  } catch {
    // storage disabled: fall back to the browser
  }
  return langFor(navigator.languages?.[0] ?? navigator.language);
}

/** Current language. */
export function lang(): Lang {
  return current;
}

/** Switches the language (and remembers it); callers re-render. */
export function setLang(l: Lang, remember = true): void {
  current = l;
  if (typeof document !== 'undefined') document.documentElement.lang = l;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      // not fatal
    }
  }
}

/** The string for `key` in the current language, with `{name}` placeholders replaced from `params`. */
export function t(key: MsgKey, params?: Record<string, string | number>): string {
  const s = DICTS[current][key];
  if (params === undefined) return s;
  return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

/** The string for `key` when it is a known key (e.g. built from a server value like a sensor state), else `fallback`. */
export function tOr(key: string, fallback: string): string {
  return key in en ? t(key as MsgKey) : fallback;
}

/** Sets the text of every `[data-i18n]` element under `root` from its key. */
export function translateStatic(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = el.dataset.i18n as MsgKey;
    if (key in en) el.textContent = t(key);
  }
}
