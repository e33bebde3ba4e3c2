import { MobiproxError } from '../../errors';
import { Graph, attrInt, attrInts } from '../graph';
import { resolveWindow } from '../windows';

const WINDOWED = new Set(['Conv', 'MaxPool', 'AveragePool']);

/**
 * Rewrites auto_pad and ceil_mode of Conv and pooling nodes into explicit `pads`, so that the output size
 * is always the floor formula. An average that would count ceil_mode's extra padding as zeros is rejected
 * unless counting padding is already off or irrelevant.
 */
export function resolvePadding(graph: Graph): void {
  for (const node of graph.nodes) {
    if (!WINDOWED.has(node.op)) continue;
    const x = graph.shape(node.inputs[0], node);
    const kernel = node.op === 'Conv' ? graph.constant(node.inputs[1])!.dims.slice(2) : attrInts(node, 'kernel_shape');
    const window = resolveWindow(node, x.slice(1), attrInts(node, 'kernel_shape', kernel));
    const hasCeilPadding = window.ceilPadding.some((p) => p > 0);
    if (node.op === 'AveragePool' && hasCeilPadding && attrInt(node, 'count_include_pad', 0) === 1) {
      if ([...window.padBegin, ...window.padEnd.map((p, i) => p - window.ceilPadding[i])].some((p) => p > 0)) {
        throw new MobiproxError(
          `AveragePool node '${node.name}' combines ceil_mode, explicit padding and count_include_pad; Mobiprox cannot express the partial windows.`,
          { node: node.name },
        );
      }
      node.attrs.count_include_pad = 0;
    }
    node.attrs.pads = [...window.padBegin, ...window.padEnd];
    node.attrs.kernel_shape = window.kernel;
    node.attrs.strides = window.strides;
    node.attrs.dilations = window.dilations;
    delete node.attrs.auto_pad;
    delete node.attrs.ceil_mode;
  }
}
