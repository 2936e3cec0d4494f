// Latency of ONNX models in ONNX Runtime (npm onnxruntime-node, the deployment runtime), timed
// interleaved so that load changes hit every model alike. Graph optimizations on (ORT default:
// BN folding, conv+activation fusion).
//   node bench/ort_latency.js [--shape 1x28x28] [--batch 1] [--threads 1] [--reps 200] [--rounds 5] a.onnx b.onnx ...
// Prints per model the median ms per forward over all timed runs, and each model's speed-up over
// the first one. Input: random float32 [batch, C, H, W] with C×H×W from --shape (every model the same).
'use strict';
const path = require('path');
const ort = require(path.join(__dirname, '..', 'tools', 'ort', 'node_modules', 'onnxruntime-node'));

function parseArgs(argv) {
  const o = {shape: '1x28x28', batch: 1, threads: 1, reps: 200, rounds: 5, models: []};
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--shape') o.shape = argv[++i];
    else if (['--batch', '--threads', '--reps', '--rounds'].includes(a)) o[a.slice(2)] = Number(argv[++i]);
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else o.models.push(a);
  }
  if (o.models.length === 0) throw new Error('usage: node bench/ort_latency.js [--shape CxHxW] [--batch N] [--threads N] [--reps N] [--rounds N] model.onnx ...');
  o.chw = o.shape.split('x').map(Number);
  if (o.chw.length !== 3 || o.chw.some((d) => !(d > 0))) throw new Error(`--shape ${o.shape}: expected CxHxW, e.g. 3x32x32`);
  return o;
}

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const runs = [];
  for (const file of o.models) {
    const session = await ort.InferenceSession.create(file, {intraOpNumThreads: o.threads, interOpNumThreads: 1});
    const shape = [o.batch, ...o.chw];
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({length: n}, () => Math.random() * 2 - 1);
    const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', data, shape)};
    for (let i = 0; i < 10; ++i) await session.run(feeds);  // warm-up
    runs.push({file, session, feeds, ms: []});
  }
  for (let round = 0; round < o.rounds; ++round) {
    for (const r of runs) {
      for (let i = 0; i < o.reps / o.rounds; ++i) {
        const t = process.hrtime.bigint();
        await r.session.run(r.feeds);
        r.ms.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }
  }
  const base = median(runs[0].ms);
  console.log(`ONNX Runtime ${ort.env.versions ? ort.env.versions.common : ''}, batch ${o.batch}, ${o.threads} thread(s), ${o.reps} runs each in ${o.rounds} interleaved rounds`);
  for (const r of runs) {
    const m = median(r.ms);
    console.log(`${m.toFixed(3).padStart(9)} ms  ${(base / m).toFixed(2).padStart(5)}x  ${r.file}`);
  }
}

main().catch((e) => {
  console.error(e.message || e);
  process.exit(1);
});
