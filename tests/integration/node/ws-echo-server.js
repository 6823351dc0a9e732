// WebSocket echo backend for tests/integration/websocket.sh (npm package `ws`).
// Usage: node ws-echo-server.js PORT
// Greets each connection with "hello <url> host=<Host> xff=<X-Forwarded-For>", then
// echoes every message with its type (text or binary) and a close with its code.
'use strict';
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2]);
const server = new WebSocketServer({ host: '127.0.0.1', port, maxPayload: 64 * 1024 * 1024 });
server.on('connection', (socket, request) => {
  socket.send(`hello ${request.url} host=${request.headers.host} xff=${request.headers['x-forwarded-for']}`);
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  socket.on('close', (code) => {
    if (socket.readyState === socket.OPEN) socket.close(code);
  });
});
server.on('listening', () => console.log(`ws echo listening on ${port}`));
