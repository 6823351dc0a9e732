// gRPC server and client for tests/integration/http2.sh (npm @grpc/grpc-js, a client
// library no one here wrote).
//   node grpc-echo.js serve PORT [CERT KEY]   server: plaintext (h2c) or TLS
//   node grpc-echo.js call ADDRESS AUTHORITY [CA]  client: one unary call, one bidi stream
// The server answers `Say` with "<protocol> says <text>" (protocol: h2c or h2), and echoes
// every `Chat` message as "echo <text>". The client prints one line per answer and "EOF"
// when the stream ends after its CloseSend (half-close).
'use strict';
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const definition = loader.loadSync(path.join(__dirname, 'echo.proto'));
const echo = grpc.loadPackageDefinition(definition).echo;
const [mode, ...args] = process.argv.slice(2);

if (mode === 'serve') {
  const [port, cert, key] = args;
  const protocol = cert ? 'h2' : 'h2c';
  const server = new grpc.Server();
  server.addService(echo.Echo.service, {
    Say: (call, callback) => callback(null, { text: `${protocol} says ${call.request.text}` }),
    Chat: (call) => {
      call.on('data', (message) => call.write({ text: `echo ${message.text}` }));
      call.on('end', () => call.end());
    },
  });
  const credentials = cert
    ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: fs.readFileSync(cert), private_key: fs.readFileSync(key) }])
    : grpc.ServerCredentials.createInsecure();
  server.bindAsync(`127.0.0.1:${port}`, credentials, (error) => {
    if (error) throw error;
    console.log(`grpc echo listening on ${port}`);
  });
} else if (mode === 'call') {
  const [address, authority, ca] = args;
  const credentials = ca ? grpc.credentials.createSsl(fs.readFileSync(ca)) : grpc.credentials.createInsecure();
  const options = ca ? { 'grpc.ssl_target_name_override': authority, 'grpc.default_authority': authority }
                     : { 'grpc.default_authority': authority };
  const client = new echo.Echo(address, credentials, options);
  const deadline = new Date(Date.now() + 10000);
  client.Say({ text: 'hello' }, { deadline }, (error, reply) => {
    if (error) {
      console.log(`unary error: ${error.code} ${error.details}`);
      process.exit(1);
    }
    console.log(`unary: ${reply.text}`);
    const chat = client.Chat({ deadline });
    chat.on('data', (message) => console.log(`stream: ${message.text}`));
    chat.on('error', (e) => {
      console.log(`stream error: ${e.code} ${e.details}`);
      process.exit(1);
    });
    chat.on('end', () => {
      console.log('EOF');
      client.close();
    });
    for (const name of ['alice', 'bob', 'charlie']) chat.write({ text: name });
    chat.end(); // CloseSend
  });
} else {
  console.error('usage: grpc-echo.js serve PORT [CERT KEY] | call ADDRESS AUTHORITY [CA]');
  process.exit(2);
}
