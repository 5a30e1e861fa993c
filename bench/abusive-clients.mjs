// Abusive WebSocket clients in their own process (so they do not share the daemon's or the test's event loop): each
// connects, stops reading at once, and floods invalid protocol-v1 messages as fast as its socket takes them; when the
// server closes it, it connects again. Prints one JSON line {sent, connects, closeCodes, seconds} when done.
//
// node bench/abusive-clients.mjs --url ws://127.0.0.1:8080/ws [--clients 4] [--seconds 10] [--token T] [--ca cert.pem]
//   [--kinds notjson,ack,pad,v2,unknown-id]   one kind per client, round robin:
//     notjson     the text "not json"
//     ack         {"v":1,"type":"ack"} (no alertId)
//     pad         an unknown type with 2 kB of padding
//     v2          {"v":2}
//     unknown-id  an ack of an unknown 200-character alertId (its error reply echoes the id: ~260 B per reply)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';

const { values: a } = parseArgs({
  options: {
    url: { type: 'string' },
    clients: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '10' },
    token: { type: 'string' },
    ca: { type: 'string' },
    kinds: { type: 'string', default: 'notjson,ack,pad,v2' },
    'per-tick': { type: 'string', default: '100' },
  },
});
if (a.url === undefined) {
  process.stderr.write('abusive-clients: --url ws://host:port/ws is required\n');
  process.exit(2);
}

const PAYLOADS = {
  notjson: 'not json',
  ack: '{"v":1,"type":"ack"}',
  pad: JSON.stringify({ v: 1, type: 'nope', pad: 'x'.repeat(2000) }),
  v2: '{"v":2}',
  'unknown-id': JSON.stringify({ v: 1, type: 'ack', alertId: 'z'.repeat(200) }),
};
const kinds = a.kinds.split(',');
for (const k of kinds) {
  if (!(k in PAYLOADS)) {
    process.stderr.write(`abusive-clients: --kinds: unknown kind "${k}" (expected ${Object.keys(PAYLOADS).join(', ')})\n`);
    process.exit(2);
  }
}
const perTick = Number(a['per-tick']);
const opts = { headers: a.token !== undefined ? { Authorization: `Bearer ${a.token}` } : {}, ...(a.ca !== undefined ? { ca: readFileSync(a.ca) } : {}) };
const endAt = Date.now() + Number(a.seconds) * 1000;
let sent = 0;
let connects = 0;
const closeCodes = {};
const sockets = new Set();

function client(payload) {
  if (Date.now() >= endAt) return;
  connects++;
  const ws = new WebSocket(a.url, opts);
  sockets.add(ws);
  let done = false;
  const again = (code) => {
    if (done) return;
    done = true;
    sockets.delete(ws);
    closeCodes[code] = (closeCodes[code] ?? 0) + 1;
    setTimeout(() => client(payload), 10);
  };
  ws.on('error', () => again('error'));
  ws.on('close', (code) => again(String(code)));
  ws.on('open', () => {
    ws._socket.pause(); // never read: the server's replies pile up on its side
    const blast = () => {
      if (Date.now() >= endAt || ws.readyState !== WebSocket.OPEN) return;
      for (let i = 0; i < perTick && ws.bufferedAmount < 1 << 20; i++) {
        ws.send(payload);
        sent++;
      }
      setImmediate(blast);
    };
    blast();
  });
}

const t0 = Date.now();
for (let i = 0; i < Number(a.clients); i++) client(PAYLOADS[kinds[i % kinds.length]]);
setTimeout(() => {
  for (const ws of sockets) ws.terminate();
  process.stdout.write(JSON.stringify({ sent, connects, closeCodes, seconds: (Date.now() - t0) / 1000 }) + '\n');
  process.exit(0);
}, Math.max(0, endAt - Date.now()) + 50);
