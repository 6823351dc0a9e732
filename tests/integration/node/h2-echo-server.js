// HTTP/2 backend for tests/integration/http2.sh: Node's own http2 module, cleartext (h2c)
// or TLS (h2), as a Service port with `appProtocol: kubernetes.io/h2c` gets from the proxy.
// Usage: node h2-echo-server.js PORT [CERT KEY]
// Answers with one `key=value` line each: the protocol it was spoken to in (h2c or h2),
// :method, :path, :authority, X-Forwarded-For/-Proto, the request body, and which of its
// HTTP/2 connections (sessions) carried the request, numbered from 1; with a trailer
// `x-echo-trailer: done` after the body.
'use strict';
const fs = require('fs');
const http2 = require('http2');

const [port, cert, key] = process.argv.slice(2);
const server = cert
  ? http2.createSecureServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) })
  : http2.createServer();
const sessions = new WeakMap();
let nextSession = 1;
server.on('session', (session) => sessions.set(session, nextSession++));
server.on('stream', (stream, headers) => {
  const chunks = [];
  stream.on('data', (chunk) => chunks.push(chunk));
  stream.on('end', () => {
    const lines = [
      `protocol=${cert ? 'h2' : 'h2c'}`,
      `method=${headers[':method']}`,
      `path=${headers[':path']}`,
      `authority=${headers[':authority']}`,
      `xff=${headers['x-forwarded-for']}`,
      `xfp=${headers['x-forwarded-proto']}`,
      `body=${Buffer.concat(chunks).toString()}`,
      `session=${sessions.get(stream.session)}`,
    ];
    stream.respond({ ':status': 200, 'content-type': 'text/plain' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'x-echo-trailer': 'done' }));
    stream.end(lines.join('\n') + '\n');
  });
});
server.listen(Number(port), '127.0.0.1', () => console.log(`h2 echo listening on ${port}`));
