// A minimal Node `ws` broadcast server, the baseline for the real-time
// benchmark. It speaks just enough of the Centrifugo JSON protocol for
// realtime_load (connect, subscribe, POST /api/batch and /api/publish) and
// does no authentication, history or presence: a lower bound on the work a
// real server does per message. Listens on 127.0.0.1 only; prints its port.
import http from 'node:http';
import { WebSocketServer } from '../tests/node_modules/ws/wrapper.mjs';

const channels = new Map(); // channel name -> Set of sockets
let nextClient = 1;

function publish(channel, data) {
  const subscribers = channels.get(channel);
  if (!subscribers) return;
  // Encoded once and sent to every subscriber, as the C++ server does.
  const message = JSON.stringify({ push: { channel, pub: { data } } });
  for (const socket of subscribers) socket.send(message);
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    try {
      const request = JSON.parse(body || '{}');
      if (req.url === '/api/batch') {
        for (const command of request.commands ?? []) {
          if (command.publish) publish(command.publish.channel, command.publish.data);
        }
      } else if (req.url === '/api/publish') {
        publish(request.channel, request.data);
      } else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"result":{}}');
    } catch {
      res.writeHead(400).end();
    }
  });
});

const wss = new WebSocketServer({ server, path: '/connection/websocket' });
wss.on('connection', (socket) => {
  const subscribed = new Set();
  socket.on('message', (data) => {
    const replies = [];
    for (const line of data.toString().split('\n')) {
      if (!line.trim()) continue;
      const command = JSON.parse(line);
      if (command.connect) {
        replies.push(JSON.stringify({ id: command.id, connect: { client: String(nextClient++), version: 'node', ping: 25 } }));
      } else if (command.subscribe) {
        const name = command.subscribe.channel;
        if (!channels.has(name)) channels.set(name, new Set());
        channels.get(name).add(socket);
        subscribed.add(name);
        replies.push(JSON.stringify({ id: command.id, subscribe: {} }));
      }
    }
    if (replies.length) socket.send(replies.join('\n'));
  });
  socket.on('close', () => {
    for (const name of subscribed) channels.get(name)?.delete(socket);
  });
});

server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
