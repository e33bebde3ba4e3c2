/**
 * onnxruntime (CPU) as the reference executor: what an ONNX model computes according to the ONNX
 * specification, independently of Mobiprox's importer and runtime.
 */
import * as ort from 'onnxruntime-node';

export interface ReferenceOutput {
  name: string;
  dims: number[];
  data: Float32Array;
}

const options: ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  // Keep ORT's own graph rewrites out of the reference: it should compute each node as specified.
  graphOptimizationLevel: 'disabled',
};

/** Runs `model` (ONNX bytes) on one float32 batch of shape `dims` and returns every graph output. */
export async function runReference(model: Uint8Array, input: Float32Array, dims: number[]): Promise<ReferenceOutput[]> {
  const session = await ort.InferenceSession.create(model, options);
  try {
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input, dims) };
    const results = await session.run(feeds);
    return session.outputNames.map((name) => {
      const t = results[name];
      return { name, dims: [...t.dims], data: Float32Array.from(t.data as Float32Array) };
    });
  } finally {
    await session.release();
  }
}

/**
 * Runs a model whose input has a fixed batch of 1 sample by sample over `count` samples and concatenates
 * the first output.
 */
export async function runReferencePerSample(
  model: Uint8Array, input: Float32Array, sampleDims: number[], count: number,
): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, options);
  try {
    const per = sampleDims.reduce((a, b) => a * b, 1);
    const parts: Float32Array[] = [];
    for (let s = 0; s < count; s++) {
      const x = input.slice(s * per, (s + 1) * per);
      const results = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [1, ...sampleDims]) });
      parts.push(Float32Array.from(results[session.outputNames[0]].data as Float32Array));
    }
    const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  } finally {
    await session.release();
  }
}
