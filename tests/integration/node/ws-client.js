// WebSocket client for tests/integration/websocket.sh (npm package `ws`): talks to the
// echo backend through the proxy and checks every echo.
// Usage: node ws-client.js URL HOST STATE_DIR
// Writes STATE_DIR/open once the echoes passed, waits for STATE_DIR/close to appear,
// then closes with code 1000 and expects the close echoed. Exit status 0: all good.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const WebSocket = require('ws');

const [url, host, stateDir] = process.argv.slice(2);
const fail = (message) => {
  console.log(`ws-client: FAIL ${message}`);
  process.exit(1);
};
setTimeout(() => fail('timed out'), 60000).unref();

const socket = new WebSocket(url, { headers: { Host: host }, maxPayload: 64 * 1024 * 1024 });
const inbox = [];
let waiter = null;
socket.on('upgrade', (response) => {
  console.log(`upgrade status=${response.statusCode} cold-start=${response.headers['x-keda-http-cold-start']}`);
});
socket.on('message', (data, isBinary) => {
  inbox.push({ data, isBinary });
  if (waiter) waiter();
});
socket.on('error', (error) => fail(`error: ${error.message}`));
const next = () =>
  new Promise((resolve) => {
    const take = () => {
      if (inbox.length) {
        waiter = null;
        resolve(inbox.shift());
      } else {
        waiter = take;
      }
    };
    take();
  });

socket.on('open', async () => {
  const hello = await next();
  console.log(`greeting: ${hello.data.toString()}`);

  socket.send('ping-text');
  const text = await next();
  if (text.isBinary || text.data.toString() !== 'ping-text') fail(`text echo: ${text.data}`);
  console.log('text echo ok');

  const blob = crypto.randomBytes(4 * 1024 * 1024);
  socket.send(blob);
  const binary = await next();
  if (!binary.isBinary || !Buffer.from(binary.data).equals(blob)) fail('binary echo differs');
  console.log('4 MiB binary echo ok');

  for (let i = 0; i < 200; i++) socket.send(`msg-${i}`);
  for (let i = 0; i < 200; i++) {
    const m = await next();
    if (m.data.toString() !== `msg-${i}`) fail(`message ${i} came back as ${m.data}`);
  }
  console.log('200 messages echoed in order');

  fs.writeFileSync(path.join(stateDir, 'open'), '');
  const poll = setInterval(() => {
    if (fs.existsSync(path.join(stateDir, 'close'))) {
      clearInterval(poll);
      socket.close(1000, 'done');
    }
  }, 50);
});
socket.on('close', (code) => {
  if (code !== 1000) fail(`closed with ${code}`);
  console.log('closed 1000');
  process.exit(0);
});
