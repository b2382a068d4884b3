// Editing traces (keystroke recordings of real documents, CC BY 4.0, from
// josephg/editing-traces): loading them and turning patches into json0 ops.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

// The traces live outside the repository, beside a checkout of it.
// TANDEM_TRACES_DIR overrides the location (e.g. for a worktree elsewhere).
export function tracesDir() {
  if (process.env.TANDEM_TRACES_DIR) return process.env.TANDEM_TRACES_DIR;
  const source = process.env.TANDEM_SOURCE_DIR || join(import.meta.dirname, '..', '..', '..');
  return join(source, '..', 'shared', 'data', 'editing-traces');
}

// Trace files, full variants only (the .ascii ones replace non-ASCII with "_").
export function traceFiles(dir = tracesDir()) {
  if (!existsSync(dir)) return null;
  return readdirSync(dir).filter((f) => f.endsWith('.json.gz') && !f.endsWith('.ascii.json.gz')).sort();
}

export function loadTrace(dir, file) {
  return JSON.parse(gunzipSync(readFileSync(join(dir, file))).toString('utf8'));
}

const SURROGATE = /[\ud800-\udfff]/;

// Converts the trace's patches ([code point position, deleted code points,
// inserted text]) into one list of text edits per transaction, at UTF-16
// offsets, with the deleted text spelled out as json0 needs it.
export function traceEdits(trace) {
  let text = trace.startContent || '';
  let astral = SURROGATE.test(text);
  const toUnits = (from, codePoints) => {
    if (!astral) return from + codePoints;
    let at = from;
    for (let n = 0; n < codePoints && at < text.length; n++) at += text.codePointAt(at) > 0xffff ? 2 : 1;
    return at;
  };

  const txns = [];
  for (const txn of trace.txns) {
    const edits = [];
    for (const [position, deleted, inserted] of txn.patches) {
      const start = toUnits(0, position);
      if (deleted > 0) {
        const end = toUnits(start, deleted);
        edits.push({ p: start, d: text.slice(start, end) });
        text = text.slice(0, start) + text.slice(end);
        if (astral) astral = SURROGATE.test(text);
      }
      if (inserted.length > 0) {
        edits.push({ p: start, i: inserted });
        text = text.slice(0, start) + inserted + text.slice(start);
        astral = astral || SURROGATE.test(inserted);
      }
    }
    txns.push(edits);
  }
  return { txns, endContent: text };
}

// One json0 op per transaction on {"text": ...}, in the legacy si/sd form
// or the t:"text0" form.
export function traceOps(txns, form) {
  if (form === 'subtype') return txns.map((edits) => [{ p: ['text'], t: 'text0', o: edits }]);
  return txns.map((edits) => edits.map((e) => (e.i !== undefined ? { p: ['text', e.p], si: e.i } : { p: ['text', e.p], sd: e.d })));
}
