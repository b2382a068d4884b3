// json0 benchmark, Tandem against ot-json0 1.1.0 on Node, on the same ops:
//   node bench/ot_compare.mjs [OT_BENCH_BINARY] [TRACES_DIR]
// Defaults: build/release/bench/ot_bench and ../shared/data/editing-traces
// beside the repository (or TANDEM_TRACES_DIR). Prints a Markdown table.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { json0 } from '../tests/interop/ot/engine.mjs';
import { caseSeed, makeRandom, randomDocument, randomOp } from '../tests/interop/ot/generator.mjs';
import { loadTrace, traceEdits, traceFiles, traceOps } from '../tests/interop/ot/traces.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const binary = process.argv[2] || join(root, 'build/release/bench/ot_bench');
const tracesDir = process.argv[3] || process.env.TANDEM_TRACES_DIR || join(root, '..', 'shared', 'data', 'editing-traces');
const work = mkdtempSync(join(tmpdir(), 'ot-bench-'));

function runTandem(mode, input) {
  const file = join(work, `${mode}.json`);
  writeFileSync(file, JSON.stringify(input));
  return JSON.parse(execFileSync(binary, [mode, file], { maxBuffer: 1 << 20 }).toString());
}

// ot-json0 replay; best of two runs, so the second one gets a warm JIT.
function runReference(ops, endContent) {
  let best = Infinity;
  for (let run = 0; run < 2; run++) {
    let doc = { text: '' };
    const start = process.hrtime.bigint();
    for (const op of ops) doc = json0.apply(doc, op);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (doc.text !== endContent) throw new Error('ot-json0 replay does not reach endContent');
    best = Math.min(best, seconds);
  }
  return { seconds: best, rssMiB: process.memoryUsage().rss / 2 ** 20 };
}

function fmt(n, digits = 0) {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function benchTraces() {
  const files = traceFiles(tracesDir);
  if (files === null) {
    console.log(`No editing traces at ${tracesDir}; skipping the apply benchmark.`);
    return;
  }
  console.log('| trace | ops | Tandem ms | Tandem ops/s | ot-json0 ms | ot-json0 ops/s | speed-up | final KiB | Tandem max RSS MiB | ot-json0 RSS MiB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const file of files) {
    const trace = loadTrace(tracesDir, file);
    const { txns } = traceEdits(trace);
    const name = file.replace(/\.json\.gz$/, '');
    const tandem = runTandem('apply', { name, txns, endContent: trace.endContent });
    if (!tandem.matches_end_content) throw new Error(`Tandem replay of ${name} does not reach endContent`);
    const reference = runReference(traceOps(txns, 'legacy'), trace.endContent);
    console.log(`| ${name} | ${fmt(tandem.ops)} | ${fmt(tandem.seconds * 1000, 1)} | ${fmt(tandem.ops_per_sec)} | ` +
      `${fmt(reference.seconds * 1000, 1)} | ${fmt(tandem.ops / reference.seconds)} | ` +
      `${fmt(reference.seconds / tandem.seconds, 1)}x | ${fmt(tandem.final_bytes / 1024, 1)} | ` +
      `${fmt(tandem.max_rss_kib / 1024, 1)} | ${fmt(reference.rssMiB, 1)} |`);
  }
}

function benchTransform() {
  const pairs = [];
  for (let i = 0; pairs.length < 2000; i++) {
    const rng = makeRandom(caseSeed(42, i));
    const form = rng.chance(0.5) ? 'legacy' : 'subtype';
    const doc = randomDocument(rng);
    pairs.push([randomOp(rng, doc, form), randomOp(rng, doc, form)]);
  }
  const tandem = runTandem('transform', { pairs });

  let transforms = 0;
  const start = process.hrtime.bigint();
  let seconds = 0;
  while (seconds < 0.5) {
    for (const [a, b] of pairs) {
      json0.transform(a, b, 'left');
      json0.transform(b, a, 'right');
      transforms += 2;
    }
    seconds = Number(process.hrtime.bigint() - start) / 1e9;
  }
  const referenceRate = transforms / seconds;
  console.log('');
  console.log('| transform (random concurrent pairs, both sides) | Tandem/s | ot-json0/s | speed-up |');
  console.log('|---|---:|---:|---:|');
  console.log(`| ${pairs.length} pairs, ${fmt(tandem.transforms)} transforms | ${fmt(tandem.transforms_per_sec)} | ` +
    `${fmt(referenceRate)} | ${fmt(tandem.transforms_per_sec / referenceRate, 1)}x |`);
  if (tandem.failures > 0) console.log(`Tandem failed ${tandem.failures} transforms.`);
}

try {
  benchTraces();
  benchTransform();
} finally {
  rmSync(work, { recursive: true, force: true });
}
