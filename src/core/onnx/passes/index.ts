import { Graph } from '../graph';
import { inferShapes } from '../shapeInference';
import { checkSupportedOps } from './checkSupportedOps';
import { eliminateDeadNodes } from './eliminateDeadNodes';
import { eliminateIdentity } from './eliminateIdentity';
import { foldConstants } from './foldConstants';
import { fuseActivation } from './fuseActivation';
import { fuseBatchNorm } from './fuseBatchNorm';
import { fuseBias } from './fuseBias';
import { fuseDense } from './fuseDense';
import { lowerOneDimensional } from './lowerOneDimensional';
import { lowerViews } from './lowerViews';
import { resolvePadding } from './resolvePadding';

export interface ImportPass {
  name: string;
  run(graph: Graph): void;
}

/** The import pipeline, in order; each pass relies on the ones before it (shapes exist after folding). */
export const IMPORT_PASSES: readonly ImportPass[] = [
  { name: 'checkSupportedOps', run: checkSupportedOps },
  { name: 'eliminateIdentity', run: eliminateIdentity },
  { name: 'foldConstants', run: foldConstants },
  { name: 'resolvePadding', run: resolvePadding },
  { name: 'lowerOneDimensional', run: lowerOneDimensional },
  { name: 'fuseBatchNorm', run: fuseBatchNorm },
  { name: 'fuseDense', run: fuseDense },
  { name: 'fuseBias', run: fuseBias },
  { name: 'fuseActivation', run: fuseActivation },
  { name: 'lowerViews', run: lowerViews },
  { name: 'eliminateDeadNodes', run: eliminateDeadNodes },
  { name: 'inferShapes', run: inferShapes },
];

export function runImportPasses(graph: Graph): Graph {
  for (const pass of IMPORT_PASSES) pass.run(graph);
  return graph;
}
