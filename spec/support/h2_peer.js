// An HTTPS server (HTTP/2, and HTTP/1.1 for a client that asks for it) that refuses, resets or GOAWAYs
// requests on purpose, for spec/integration/h2_refused_spec.lua. Node's built-in http2 module, no packages:
//
//   node spec/support/h2_peer.js CERT KEY MODE PORT_FILE LOG_FILE [LIFE]
//
// Writes its port to PORT_FILE once it listens, one JSON line per event to LOG_FILE, and exits after LIFE
// seconds (default 120) unless stopped before. A request that none of these touches is answered 200 with
// {"id": "<connection>-<stream>"} once its body has come. Requests are counted from 1 over all connections,
// in the order their headers come. MODE:
//
//   refuse:N          request N, as soon as its headers come: RST_STREAM(REFUSED_STREAM)
//   refuse_body:N     request N, once its whole body has come: RST_STREAM(REFUSED_STREAM)
//   refuse_all        every request, as soon as its headers come: RST_STREAM(REFUSED_STREAM)
//   refuse_first:N[:CODE]
//                     requests 1 to N, as soon as their headers come: RST_STREAM(REFUSED_STREAM); with CODE,
//                     request N+1 too, once its whole body has come: RST_STREAM(CODE)
//   stall_after_refuse:N
//                     request N, as soon as its headers come: RST_STREAM(REFUSED_STREAM); every connection made
//                     after that gets no TLS handshake (nor any other byte)
//   reset:N:CODE      request N, once its whole body has come: RST_STREAM(CODE), CODE a number
//   goaway:K:L        once the first connection has K requests with their bodies: GOAWAY(NO_ERROR) whose
//                     last-stream-id is the L-th lowest of their streams; those up to it are answered,
//                     those above it are not (processed by nobody, as the GOAWAY tells the client)
//   cut:N             request N, once its whole body has come: the TCP connection is reset (no GOAWAY)
//   plain             nothing: every request is answered
//
// Over HTTP/1.1 only `cut` does anything (it closes the connection, with a FIN: no answer, no error).
// Events: {"event":"request","conn":C,"stream":S,"method":M,"path":P,"body":B,"version":V} (body null when
// refused at its headers; stream null over HTTP/1.1), then one of "answered", "refused", "reset" (with
// "code"), "unanswered" (above a GOAWAY's last-stream-id) or "cut"; {"event":"goaway","conn":C,"last":S}; and
// {"event":"stalled","conn":C}.
'use strict';
const http2 = require('http2');
const fs = require('fs');

const [cert, key, mode, portFile, logFile, life] = process.argv.slice(2);
const [kind, arg1, arg2] = mode.split(':');
const { NGHTTP2_REFUSED_STREAM, NGHTTP2_NO_ERROR } = http2.constants;

const log = (entry) => fs.appendFileSync(logFile, JSON.stringify(entry) + '\n');

let connections = 0;
let requests = 0;
let goawaySent = false;
const tcp = new Map(); // remote port -> the raw TCP socket, to reset it

const server = http2.createSecureServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key), allowHTTP1: true });
let stalling = false; // stall_after_refuse: the refusal was sent
// The TLS server's own listeners start the handshake of a new connection: run only where no stall is due.
const handshake = server.listeners('connection');
server.removeAllListeners('connection');
server.on('connection', (socket) => {
  socket.peerConn = ++connections;
  tcp.set(socket.remotePort, socket);
  if (stalling) return log({ event: 'stalled', conn: socket.peerConn });
  for (const listener of handshake) listener.call(server, socket);
});

const connOf = (socket) => (tcp.get(socket.remotePort) || {}).peerConn;

function cut(socket, entry) {
  log(Object.assign({}, entry, { event: 'cut' }));
  tcp.get(socket.remotePort).resetAndDestroy();
}

// HTTP/1.1
server.on('request', (req, res) => {
  if (req.httpVersionMajor !== 1) return;
  const n = ++requests;
  const conn = connOf(req.socket);
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const entry = { conn, stream: null };
    log(Object.assign({ event: 'request', method: req.method, path: req.url, body: Buffer.concat(chunks).toString(),
      version: '1.1' }, entry));
    if (kind === 'cut' && n === Number(arg1)) {
      log(Object.assign({ event: 'cut' }, entry));
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: conn + '-' + n }));
    log(Object.assign({ event: 'answered' }, entry));
  });
});

function answer(s, entry) {
  s.respond({ ':status': 200, 'content-type': 'application/json' });
  s.end(JSON.stringify({ id: entry.conn + '-' + entry.stream }));
  log(Object.assign({}, entry, { event: 'answered' }));
}

function refuse(s, entry) {
  s.close(NGHTTP2_REFUSED_STREAM);
  log(Object.assign({}, entry, { event: 'refused' }));
}

const refusedAtHeaders = (n) => ((kind === 'refuse' || kind === 'stall_after_refuse') && n === Number(arg1)) ||
  kind === 'refuse_all' || (kind === 'refuse_first' && n <= Number(arg1));
const resetAfterBody = (n) => (kind === 'reset' && n === Number(arg1)) ||
  (kind === 'refuse_first' && arg2 !== undefined && n === Number(arg1) + 1);

// HTTP/2
server.on('stream', (s, headers) => {
  const n = ++requests;
  const session = s.session;
  const entry = { conn: connOf(session.socket), stream: s.id };
  const seen = (body) => log(Object.assign({ event: 'request', method: headers[':method'], path: headers[':path'],
    body, version: '2' }, entry));
  s.on('error', () => {});
  if (refusedAtHeaders(n)) {
    seen(null);
    refuse(s, entry);
    stalling = kind === 'stall_after_refuse';
    return;
  }
  const chunks = [];
  s.on('data', (c) => chunks.push(c));
  s.on('end', () => {
    seen(Buffer.concat(chunks).toString());
    if (kind === 'refuse_body' && n === Number(arg1)) return refuse(s, entry);
    if (resetAfterBody(n)) {
      s.close(Number(arg2));
      log(Object.assign({}, entry, { event: 'reset', code: Number(arg2) }));
      return;
    }
    if (kind === 'cut' && n === Number(arg1)) return cut(session.socket, entry);
    if (kind === 'goaway' && !goawaySent) {
      session.held = session.held || [];
      session.held.push([s, entry]);
      if (session.held.length < Number(arg1)) return;
      goawaySent = true;
      const held = session.held.sort((a, b) => a[0].id - b[0].id);
      const last = held[Number(arg2) - 1][0].id;
      session.goaway(NGHTTP2_NO_ERROR, last);
      log({ event: 'goaway', conn: entry.conn, last });
      for (const [hs, he] of held) {
        if (hs.id <= last) answer(hs, he);
        else log(Object.assign({}, he, { event: 'unanswered' }));
      }
      return;
    }
    answer(s, entry);
  });
});
server.on('sessionError', () => {});

server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(portFile + '.tmp', String(server.address().port) + '\n');
  fs.renameSync(portFile + '.tmp', portFile);
});
setTimeout(() => process.exit(0), 1000 * Number(life || 120)).unref();
process.on('SIGTERM', () => process.exit(0));
