// ONNX Runtime (npm onnxruntime-node) as a consumer of prunekit's ONNX files, for the tests.
//   PK_ORT_DIR=tools/ort node ort_run.js jobs.json
// jobs.json: [{"model": file.onnx, "input": raw float32 file, "shape": [N, C, H, W], "output": file}]
// Each job runs the model's single input on the data and writes its first output as raw float32
// to `output`, and {"dims": [...]} to `output`.json. Exit code 1 with the message on any error.
'use strict';
const fs = require('fs');
const path = require('path');

const ortDir = process.env.PK_ORT_DIR || path.join(__dirname, '..', '..', 'tools', 'ort');
const ort = require(path.join(ortDir, 'node_modules', 'onnxruntime-node'));

async function runJob(job) {
  const session = await ort.InferenceSession.create(job.model, {intraOpNumThreads: 1, interOpNumThreads: 1});
  if (session.inputNames.length !== 1) throw new Error(`${job.model}: expected 1 input, got ${session.inputNames}`);
  const buf = fs.readFileSync(job.input);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', data, job.shape)};
  const results = await session.run(feeds);
  const out = results[session.outputNames[0]];
  fs.writeFileSync(job.output, Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength));
  fs.writeFileSync(job.output + '.json', JSON.stringify({dims: out.dims}));
}

async function main() {
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  for (const job of jobs) {
    try {
      await runJob(job);
    } catch (e) {
      throw new Error(`${job.model}: ${e.message || e}`);
    }
  }
}

main().catch((e) => {
  console.error(e.message || e);
  process.exit(1);
});
