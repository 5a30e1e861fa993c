// Protocol v1 message types, shared with the daemon (type-only import of src/server/protocol.ts), and the one constant
// the page needs from it: the live-listening frame layout (a frozen object of numbers).
export type {
  Alert,
  AlertKind,
  AlertMessageCode,
  AlertRoom,
  AlertSeverity,
  AlertSignal,
  AlertState,
  CalibrationAlertInfo,
  ClientMessage,
  ClipLoss,
  DiskStatus,
  HelloMessage,
  KnownEmitterEntry,
  ListenStateMessage,
  SensorHealth,
  SensorLocationInfo,
  SessionListEntry,
  SessionStatus,
  ServerMessage,
  SeverityRaise,
  SpectrumMessage,
  StatusMessage,
} from '../../src/server/protocol.js';
export { LATE_ALERT_MS, LISTEN_FRAME } from '../../src/server/protocol.js';
