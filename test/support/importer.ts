/** Runs the ONNX import pipeline up to (not including) a named pass, so that a test can run that pass alone. */
import { Graph } from '../../src/core/onnx/graph';
import { loadOnnx } from '../../src/core/onnx/load';
import { IMPORT_PASSES } from '../../src/core/onnx/passes';

export function importUntil(bytes: Uint8Array, pass: string): Graph {
  const end = IMPORT_PASSES.findIndex((p) => p.name === pass);
  if (end < 0) throw new Error(`no import pass named ${pass}`);
  const graph = loadOnnx(bytes, 'test');
  for (const p of IMPORT_PASSES.slice(0, end)) p.run(graph);
  return graph;
}

export function runPass(graph: Graph, pass: string): Graph {
  const p = IMPORT_PASSES.find((x) => x.name === pass);
  if (!p) throw new Error(`no import pass named ${pass}`);
  p.run(graph);
  return graph;
}

export const ops = (graph: Graph): string[] => graph.nodes.map((n) => n.op);
