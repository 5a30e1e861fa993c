// Protocol v1 message types, shared with the daemon (type-only import of src/server/protocol.ts: nothing is bundled).
export type {
  Alert,
  AlertKind,
  AlertMessageCode,
  AlertRoom,
  AlertSeverity,
  AlertState,
  CalibrationAlertInfo,
  ClientMessage,
  DiskStatus,
  HelloMessage,
  SensorHealth,
  SensorLocationInfo,
  SessionStatus,
  ServerMessage,
  SpectrumMessage,
  StatusMessage,
} from '../../src/server/protocol.js';
