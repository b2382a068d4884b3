// An HTTP webhook receiver for tests on 127.0.0.1 and a free port. It
// records every request and replies with the status that `respond` returns,
// after `delayMs`, so tests can inject failures, slowness and recovery.
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';

export async function startWebhookReceiver() {
  const receiver = {
    calls: [],           // every request: {headers, body, json, status}
    respond: () => 200,  // (call) => HTTP status
    delayMs: 0,
  };
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const call = { method: request.method, url: request.url, headers: request.headers, body, json };
      receiver.calls.push(call);
      const finish = () => {
        call.status = receiver.respond(call);
        response.writeHead(call.status, { 'content-type': 'text/plain' });
        response.end(call.status < 300 ? 'ok' : 'failed');
      };
      if (receiver.delayMs > 0) setTimeout(finish, receiver.delayMs);
      else finish();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.port = server.address().port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hook`;
  // Count of 2xx replies per event id.
  receiver.delivered = () => {
    const byId = new Map();
    for (const call of receiver.calls) {
      if (call.status >= 200 && call.status < 300) byId.set(call.json?.event_id, (byId.get(call.json?.event_id) ?? 0) + 1);
    }
    return byId;
  };
  receiver.close = () => new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
  return receiver;
}

// True when `header` is "sha256=" and the hex HMAC-SHA256 of `body` under `secret`.
export function validSignature(header, body, secret) {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(body).digest('hex'));
  const actual = Buffer.from(header.slice('sha256='.length));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
