// Runs an ONNX model in ONNX Runtime (npm onnxruntime-node, installed by
// tools/setup.sh under $NABLA_NODE_HOME, default /var/lib/nabla/node) on one
// float32 input and writes its first output as raw little-endian float32.
//
//   node ort_run.js MODEL.onnx INPUT.bin DIMS OUTPUT.bin    (DIMS: 100,784)
const fs = require('fs');
const path = require('path');
const home = process.env.NABLA_NODE_HOME || '/var/lib/nabla/node';
const ort = require(path.join(home, 'node_modules', 'onnxruntime-node'));

async function main() {
  const [modelPath, inputPath, dimsText, outputPath] = process.argv.slice(2);
  const dims = dimsText.split(',').map(Number);
  const bytes = fs.readFileSync(inputPath);
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const session = await ort.InferenceSession.create(modelPath);
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', data, dims)};
  const results = await session.run(feeds);
  const out = results[session.outputNames[0]];
  fs.writeFileSync(outputPath, Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength));
  console.log(`${session.inputNames[0]} [${dims}] -> ${session.outputNames[0]} [${out.dims}]`);
}

main().catch((e) => {
  console.error(`ort_run.js: ${e.message || e}`);
  process.exit(1);
});
