// A small SMTP server for tests: plain text on 127.0.0.1, a free port, no
// TLS and no authentication. It stores every accepted message and can be
// set to fail, so tests can inject mail server outages.
import { createServer } from 'node:net';

// Starts the sink. `messages` contains {from, to, data, headers, body}. Set
// `failWith` to an SMTP reply such as '451 try later' to reject DATA;
// `rejected` counts the messages rejected that way.
export async function startSmtpSink() {
  const sink = { messages: [], failWith: null, rejected: 0, connections: 0 };
  const sockets = new Set();

  const server = createServer((socket) => {
    sink.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.setEncoding('utf8');

    let buffer = '';
    let envelope = { from: null, to: [] };
    let inData = false;
    let dataLines = [];
    const reply = (line) => socket.write(`${line}\r\n`);
    reply('220 tandem-test-smtp ready');

    const onLine = (line) => {
      if (inData) {
        if (line === '.') {
          inData = false;
          if (sink.failWith) {
            sink.rejected++;
            reply(sink.failWith);
          } else {
            const data = dataLines.join('\r\n');
            sink.messages.push({ ...envelope, data, ...splitMessage(data) });
            reply('250 2.0.0 queued');
          }
          envelope = { from: null, to: [] };
          dataLines = [];
          return;
        }
        // Undo the sender's dot-stuffing.
        dataLines.push(line.startsWith('..') ? line.slice(1) : line);
        return;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') {
        socket.write('250-tandem-test-smtp\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n');
      } else if (verb === 'HELO') {
        reply('250 tandem-test-smtp');
      } else if (verb === 'MAIL') {
        envelope.from = line.match(/<([^>]*)>/)?.[1] ?? null;
        reply('250 2.1.0 ok');
      } else if (verb === 'RCPT') {
        envelope.to.push(line.match(/<([^>]*)>/)?.[1] ?? null);
        reply('250 2.1.5 ok');
      } else if (verb === 'DATA') {
        inData = true;
        reply('354 end data with <CR><LF>.<CR><LF>');
      } else if (verb === 'QUIT') {
        reply('221 2.0.0 bye');
        socket.end();
      } else if (verb === 'RSET' || verb === 'NOOP') {
        envelope = { from: null, to: [] };
        reply('250 ok');
      } else {
        reply('502 5.5.2 command not implemented');
      }
    };

    socket.on('data', (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        onLine(line);
      }
    });
  });

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.port = server.address().port;
  sink.close = () => new Promise((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  });
  return sink;
}

// Splits a message into lower-cased headers and the body.
function splitMessage(data) {
  const end = data.indexOf('\r\n\r\n');
  const head = end >= 0 ? data.slice(0, end) : data;
  const body = end >= 0 ? data.slice(end + 4) : '';
  const headers = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}
