import { MobiproxError } from '../errors';
import { Graph, Node, Tensor, attrFloat, attrInts, attrString } from './graph';

/**
 * Parameters that ONNX moved from attributes to inputs across opsets (Squeeze, Unsqueeze, Slice, Pad,
 * Clip, Reshape), read the same way whatever the opset. An input parameter must be constant.
 */

export function constantInput(graph: Graph, node: Node, index: number, role: string): Tensor | undefined {
  const value = node.inputs[index];
  if (!value) return undefined;
  const t = graph.constant(value);
  if (!t) {
    throw new MobiproxError(
      `Node '${node.name}' (${node.op}) computes its ${role} at run time ('${value}'); Mobiprox needs it to be a constant.`,
      { node: node.name, value },
    );
  }
  return t;
}

/** Integer values of a parameter tensor; the symbolic batch size (NaN) is an error here. */
export function integers(t: Tensor, node: Node, role: string): number[] {
  const values = Array.from(t.data);
  if (values.some((v) => Number.isNaN(v))) {
    throw new MobiproxError(`The ${role} of node '${node.name}' (${node.op}) depends on the batch size.`, { node: node.name });
  }
  return values;
}

function axesOperand(graph: Graph, node: Node, since: number, index: number): number[] | undefined {
  if (graph.opset < since) return node.attrs.axes === undefined ? undefined : attrInts(node, 'axes');
  const t = constantInput(graph, node, index, 'axes');
  return t && integers(t, node, 'axes');
}

export const squeezeAxes = (graph: Graph, node: Node): number[] | undefined => axesOperand(graph, node, 13, 1);

export function unsqueezeAxes(graph: Graph, node: Node): number[] {
  const axes = axesOperand(graph, node, 13, 1);
  if (!axes) throw new MobiproxError(`Unsqueeze node '${node.name}' has no axes.`, { node: node.name });
  return axes;
}

export interface SliceOperands {
  starts: number[];
  ends: number[];
  axes?: number[];
  steps?: number[];
}

export function sliceOperands(graph: Graph, node: Node): SliceOperands {
  if (graph.opset < 10) {
    return {
      starts: attrInts(node, 'starts'),
      ends: attrInts(node, 'ends'),
      axes: node.attrs.axes === undefined ? undefined : attrInts(node, 'axes'),
    };
  }
  const read = (i: number, role: string): number[] | undefined => {
    const t = constantInput(graph, node, i, role);
    return t && integers(t, node, role);
  };
  const starts = read(1, 'starts');
  const ends = read(2, 'ends');
  if (!starts || !ends) throw new MobiproxError(`Slice node '${node.name}' lacks starts or ends.`, { node: node.name });
  return { starts, ends, axes: read(3, 'axes'), steps: read(4, 'steps') };
}

export interface PadOperands {
  /** ONNX layout: all begins, then all ends. */
  pads: number[];
  value: number;
  axes?: number[];
}

export function padOperands(graph: Graph, node: Node): PadOperands {
  const mode = attrString(node, 'mode', 'constant');
  if (mode !== 'constant') {
    throw new MobiproxError(`Pad node '${node.name}' uses mode '${mode}'; Mobiprox supports only constant padding.`, {
      node: node.name,
      value: mode,
    });
  }
  if (graph.opset < 11) {
    return { pads: attrInts(node, 'pads'), value: attrFloat(node, 'value', 0) };
  }
  const pads = constantInput(graph, node, 1, 'pads');
  if (!pads) throw new MobiproxError(`Pad node '${node.name}' has no pads.`, { node: node.name });
  const value = constantInput(graph, node, 2, 'padding value');
  const axes = constantInput(graph, node, 3, 'axes');
  return {
    pads: integers(pads, node, 'pads'),
    value: value ? value.data[0] : 0,
    axes: axes && integers(axes, node, 'axes'),
  };
}

export function clipRange(graph: Graph, node: Node): { min: number; max: number } {
  if (graph.opset < 11) return { min: attrFloat(node, 'min', -Infinity), max: attrFloat(node, 'max', Infinity) };
  const min = constantInput(graph, node, 1, 'minimum');
  const max = constantInput(graph, node, 2, 'maximum');
  return { min: min ? min.data[0] : -Infinity, max: max ? max.data[0] : Infinity };
}

/** Reshape's target shape, with ONNX's 0 (copy) and -1 (infer) still in it; NaN marks the batch size. */
export function reshapeTarget(graph: Graph, node: Node): number[] {
  const t = constantInput(graph, node, 1, 'target shape');
  if (!t) throw new MobiproxError(`Reshape node '${node.name}' has no target shape.`, { node: node.name });
  return Array.from(t.data);
}
