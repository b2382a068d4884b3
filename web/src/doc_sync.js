// Client-side OT for one document, in the style of ShareDB's client.
//
// The local content is the server's version `version` plus two local ops:
// `inflight`, submitted with doc.submit and not yet acknowledged, and
// `pending`, the local edits made since (composed into one op). Only one op
// is in flight at a time. A remote op from the channel is transformed
// against inflight and pending (those are the left side, as the server
// transforms a submitted op as left against committed ones), and the
// transformed remote op is applied locally.
//
// Ops arrive on doc:{ws}:{doc} in version order (publication offset =
// version). A gap (missed publications) is filled from GET .../ops. Our own
// op is recognized by (client_id, seq); after a reconnect the in-flight op
// is sent again with the same (client_id, seq), to which the server replies
// with the first result instead of applying it twice. Edits made while
// offline wait in `pending` and go out on reconnect.
//
// Unacknowledged edits are also kept in the tab's sessionStorage, so a
// reload (say, after the network came back) sends them instead of losing
// them: DocSync.restore() rebuilds the state at the stored base version and
// the usual catch-up and resubmission do the rest.
import otJson0 from 'ot-json0';

const json0 = otJson0.type;
const RETRY_MS = 1000;
// Per user as well, so a different sign-in in the same tab never sends them.
const storageKey = (userId, documentId) => `tandem.unsent.${userId}.${documentId}`;

export class DocSync {
  // document: the REST document (id, workspace_id, content, version).
  // handlers: onLocalOp(op), onRemoteOp(op, record), onMeta(data), onReset(), onError(message),
  // onStateChange() (in flight / pending / saved changed).
  constructor({ client, api, document, userId, handlers }) {
    this.client = client;
    this.userId = userId;
    this.api = api;
    this.documentId = document.id;
    this.workspaceId = document.workspace_id;
    this.content = structuredClone(document.content);
    this.version = document.version;
    this.clientId = `web-${crypto.randomUUID()}`;
    this.seq = 0;
    this.inflight = null; // {op, seq, sending}
    this.pending = null;
    this.handlers = handlers;
    this.chain = Promise.resolve(); // incoming ops, processed one at a time
    this.closed = false;
    this.retryTimer = null;
    this.subscription = null;
  }

  // A DocSync for `documentId` that continues the unsent edits a previous
  // page in this tab left behind, or null when there are none. Throws when
  // they cannot be restored (the base version is no longer kept); the
  // stored edits are dropped then.
  static async restore({ client, api, documentId, userId, handlers }) {
    const key = storageKey(userId, documentId);
    const text = sessionStorage.getItem(key);
    if (!text) return null;
    try {
      const saved = JSON.parse(text);
      const document = await api.document(documentId, saved.version);
      const sync = new DocSync({ client, api, document, userId, handlers });
      sync.clientId = saved.clientId;
      sync.seq = saved.seq;
      if (saved.inflight) {
        sync.inflight = { op: saved.inflight.op, seq: saved.inflight.seq, sending: false };
        json0.apply(sync.content, saved.inflight.op);
      }
      if (saved.pending) {
        sync.pending = saved.pending;
        json0.apply(sync.content, saved.pending);
      }
      return sync;
    } catch (error) {
      sessionStorage.removeItem(key);
      throw error;
    }
  }

  // Keeps the unacknowledged edits in sessionStorage (see restore()).
  save() {
    const key = storageKey(this.userId, this.documentId);
    if (!this.hasUnsavedChanges()) {
      sessionStorage.removeItem(key);
      return;
    }
    const inflight = this.inflight && { op: this.inflight.op, seq: this.inflight.seq };
    try {
      sessionStorage.setItem(key, JSON.stringify({ version: this.version, clientId: this.clientId, seq: this.seq,
        inflight, pending: this.pending }));
    } catch (error) {
      this.handlers.onError?.(`unsent edits could not be kept for a reload: ${error.message}`);
    }
  }

  get channel() {
    return `doc:${this.workspaceId}:${this.documentId}`;
  }

  // Subscribes to the document channel; `onSubscription(sub)` runs before
  // the subscribe, so the caller can follow presence on it.
  start(onSubscription) {
    const sub = this.client.newSubscription(this.channel, { joinLeave: true });
    this.subscription = sub;
    sub.on('publication', (ctx) => this.enqueue(() => this.onPublication(ctx.data)));
    sub.on('subscribed', (ctx) => {
      // Without a recovered stream the ops missed meanwhile come from REST.
      if (!ctx.recovered) this.enqueue(() => this.catchUp());
      this.enqueue(async () => this.resend());
    });
    sub.on('error', (ctx) => this.handlers.onError?.(`live updates failed: ${ctx.error.message}`));
    onSubscription?.(sub);
    sub.subscribe();
    return sub;
  }

  stop() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    if (this.subscription) {
      this.subscription.removeAllListeners();
      this.subscription.unsubscribe();
      this.client.removeSubscription(this.subscription);
      this.subscription = null;
    }
  }

  hasUnsavedChanges() {
    return this.inflight !== null || this.pending !== null;
  }

  // Applies a local op to the content and queues it for the server.
  submit(op) {
    if (op.length === 0) return;
    json0.apply(this.content, op);
    this.pending = this.pending ? json0.compose(this.pending, op) : op;
    this.handlers.onLocalOp?.(op);
    this.flush();
    this.changed();
  }

  changed() {
    this.save();
    this.handlers.onStateChange?.();
  }

  enqueue(task) {
    this.chain = this.chain.then(() => (this.closed ? undefined : task())).catch(async (error) => {
      this.handlers.onError?.(error.message);
      if (error.needsReload && !this.closed) {
        await this.reload().catch((failure) => this.handlers.onError?.(`reload failed: ${failure.message}`));
      }
    });
    return this.chain;
  }

  // Sends the pending op when nothing is in flight.
  flush() {
    if (this.closed || this.inflight || !this.pending) return;
    this.inflight = { op: this.pending, seq: ++this.seq, sending: false };
    this.pending = null;
    this.send();
  }

  resend() {
    if (this.inflight && !this.inflight.sending) this.send();
    else this.flush();
  }

  send() {
    const inflight = this.inflight;
    inflight.sending = true;
    const request = { doc_id: this.documentId, version: this.version, op: inflight.op, client_id: this.clientId,
      seq: inflight.seq };
    this.client.rpc('doc.submit', request).then(
      ({ data }) => this.enqueue(() => this.onReply(inflight, data)),
      (error) => this.enqueue(() => this.onSubmitError(inflight, error)),
    );
  }

  async onReply(inflight, reply) {
    inflight.sending = false;
    if (this.inflight !== inflight) return; // acknowledged by its publication already
    if (reply.version === this.version + 1) {
      this.acknowledge(reply.version);
    } else if (reply.version > this.version) {
      await this.catchUp(); // the ops before ours, then ours, come from the log
    }
  }

  async onSubmitError(inflight, error) {
    inflight.sending = false;
    if (this.inflight !== inflight || this.closed) return;
    const code = error?.code;
    if (code === 409) {
      await this.catchUp();
      this.resend();
    } else if (code === 400 || code === 422 || code === 413 || code === 403 || code === 404) {
      // The server refused the op for good: show the server's document.
      this.handlers.onError?.(`your last change was not saved: ${error.message}`);
      await this.reload();
    } else {
      // Disconnected, timed out or a temporary server error: the op stays in
      // flight and goes out again after a reconnect (or after a pause).
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.enqueue(async () => {
        if (this.client.state === 'connected') this.resend();
      }), RETRY_MS);
    }
  }

  acknowledge(version) {
    this.version = version;
    this.inflight = null;
    this.flush();
    this.changed();
  }

  async onPublication(data) {
    if (data?.type === 'meta') {
      this.handlers.onMeta?.(data);
      return;
    }
    if (data?.type !== 'op' || data.version <= this.version) return;
    if (data.version > this.version + 1) await this.catchUp(data.version - 1);
    if (data.version === this.version + 1) this.integrate(data);
  }

  // Reads ops after `this.version` from the op log, up to `until` (or all).
  async catchUp(until) {
    for (let round = 0; round < 100; round++) {
      if (until !== undefined && this.version >= until) return;
      const params = { from: this.version, limit: 1000 };
      if (until !== undefined) params.to = until;
      const { ops } = await this.api.ops(this.documentId, params);
      if (ops.length === 0) return;
      for (const record of ops) {
        if (record.version === this.version + 1) this.integrate(record);
      }
    }
  }

  // Takes in the op that made version `record.version`: ours (an
  // acknowledgement) or someone else's (transformed and applied).
  integrate(record) {
    if (this.inflight && record.client_id === this.clientId && record.seq === this.inflight.seq) {
      this.acknowledge(record.version);
      return;
    }
    let op = record.op;
    try {
      if (this.inflight) {
        const inflightOp = json0.transform(this.inflight.op, op, 'left');
        op = json0.transform(op, this.inflight.op, 'right');
        this.inflight.op = inflightOp;
      }
      if (this.pending) {
        const pendingOp = json0.transform(this.pending, op, 'left');
        op = json0.transform(op, this.pending, 'right');
        this.pending = pendingOp;
      }
      json0.apply(this.content, op);
    } catch (error) {
      // The local state no longer matches the server's history, so
      // continuing would diverge: start over from the server's document.
      throw Object.assign(new Error(`version ${record.version} could not be merged with local edits ` +
        `(${error.message}); the page shows the server's copy again`), { needsReload: true });
    }
    this.version = record.version;
    if (this.hasUnsavedChanges()) this.save();
    this.handlers.onRemoteOp?.(op, record);
  }

  // Drops local changes and loads the server's current document.
  async reload() {
    const document = await this.api.document(this.documentId);
    this.content = structuredClone(document.content);
    this.version = document.version;
    this.inflight = null;
    this.pending = null;
    this.handlers.onReset?.();
    this.changed();
  }
}
