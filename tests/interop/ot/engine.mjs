// A client for `tandem ot`: one long-lived child process that receives JSON
// request lines on stdin and replies to each with one JSON line, in order.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const json0 = require('ot-json0').type;
export const text0 = require('ot-json0/lib/text0.js');

export function tandemBinary() {
  const bin = process.env.TANDEM_BIN;
  if (!bin) throw new Error('TANDEM_BIN is not set; run through ctest or set it to the built tandem binary');
  return bin;
}

export class OtEngine {
  constructor(bin = tandemBinary()) {
    this.child = spawn(bin, ['ot'], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.pending = [];
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    this.child.on('exit', (code, signal) => {
      const error = new Error(`tandem ot exited (code ${code}, signal ${signal}) with requests pending`);
      for (const { reject } of this.pending.splice(0)) reject(error);
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const next = this.pending.shift();
      if (!next) throw new Error(`unexpected output line from tandem ot: ${line}`);
      next.resolve(JSON.parse(line));
    });
  }

  // Sends every request of `requests` ([fn, args] pairs) in one write and
  // resolves with the replies in the same order.
  batch(requests) {
    const replies = requests.map(() => new Promise((resolve, reject) => this.pending.push({ resolve, reject })));
    this.child.stdin.write(requests.map(([fn, args]) => JSON.stringify({ fn, args })).join('\n') + '\n');
    return Promise.all(replies);
  }

  // Sends raw bytes as one request line, for input that JSON.stringify cannot produce.
  raw(bytes) {
    const reply = new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
    this.child.stdin.write(Buffer.concat([bytes, Buffer.from('\n')]));
    return reply;
  }

  async call(fn, ...args) {
    const [reply] = await this.batch([[fn, args]]);
    return reply;
  }

  async close() {
    this.child.stdin.end();
    return this.exited;
  }
}

// Runs `fn` of ot-json0 and returns what `tandem ot` would print: {result}
// or {error}. The result goes through JSON as the engine's reply does.
export function reference(fn, args) {
  const copy = JSON.parse(JSON.stringify(args));
  try {
    let result;
    switch (fn) {
      case 'apply': result = json0.apply(copy[0], copy[1]); break;
      case 'transform': result = json0.transform(copy[0], copy[1], copy[2]); break;
      case 'compose': result = json0.compose(copy[0], copy[1]); break;
      case 'invert': result = json0.invert(copy[0]); break;
      case 'normalize': result = json0.normalize(copy[0]); break;
      case 'transformCursor': result = referenceCursor(copy[0], copy[1], copy[2]); break;
      default: throw new Error(`no reference for ${fn}`);
    }
    return { result: JSON.parse(JSON.stringify(result === undefined ? null : result)) };
  } catch (error) {
    return { error: { code: 'reference_threw', message: String(error && error.message) } };
  }
}

function pathsEqual(a, b) {
  return a.length === b.length && a.every((step, i) => step === b[i]);
}

// The cursor rule, written with ot-json0's own pieces. Edits of the cursor's
// string move the offset as text0.transformCursor does. Any other component
// moves the path as it moves an edit inside that string.
export function referenceCursor(cursor, op, side) {
  let { path, offset } = cursor;
  for (const c of op) {
    const legacy = c.si !== undefined || c.sd !== undefined;
    const target = legacy ? c.p.slice(0, -1) : c.p;
    if ((legacy || c.t === 'text0') && pathsEqual(target, path)) {
      const edits = legacy ? [{ p: c.p[c.p.length - 1], ...(c.si !== undefined ? { i: c.si } : { d: c.sd }) }] : c.o;
      offset = text0.transformCursor(offset, edits, side);
      continue;
    }
    const probe = { p: path.slice(), t: 'text0', o: [{ p: offset, i: ' ' }] };
    const moved = json0.transformComponent([], probe, c, side);
    if (moved.length === 0) return null;
    path = moved[0].p;
  }
  return { path, offset };
}
