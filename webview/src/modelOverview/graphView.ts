import { EdgeLabel, Graph, GraphLabel, NodeLabel, layout } from '@dagrejs/dagre';
import { formatShape } from '../../../src/ui/format';
import { GraphEdgeView, GraphNodeView } from '../../../src/ui/protocol/modelOverview';

const SVG = 'http://www.w3.org/2000/svg';
const NODE_HEIGHT = 40;
/** Characters to pixels for the node boxes (the editor font at 12 px); dagre needs sizes before drawing. */
const CHAR_WIDTH = 7.2;

/** The drawn graph: its element, and a way to mark the node of a layer as selected. */
export interface GraphDrawing {
  element: SVGSVGElement;
  select(node: number | undefined): void;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** A node's two lines: its type with what it absorbed ("Conv + Relu"), and its output's shape. */
function nodeLines(n: GraphNodeView): [string, string] {
  const fused = n.attrs.activation ? [n.attrs.activation] : [];
  return [[n.op, ...fused].join(' + '), formatShape(n.outputShape)];
}

/**
 * The graph laid out top to bottom by dagre, drawn as SVG: the model's input, every node the runtime runs
 * (branches and merges as they are), the outputs; each edge labelled by its tensor's shape on hover. Nodes
 * of approximable layers (`approximable`) are drawn in the accent colour, data movement dimmed. A click on
 * a node calls `onSelect` with its index.
 */
export function drawGraph(
  nodes: GraphNodeView[], edges: GraphEdgeView[], approximable: (layer: number) => boolean, onSelect: (node: number) => void,
): GraphDrawing {
  const g = new Graph<GraphLabel, NodeLabel, EdgeLabel>();
  g.setGraph({ rankdir: 'TB', nodesep: 18, ranksep: 26, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const id = (i: number, end: 'in' | 'out', k = 0): string => (i >= 0 ? `n${i}` : `${end}${k}`);
  const box = (lines: string[]) => ({ width: Math.max(...lines.map((l) => l.length)) * CHAR_WIDTH + 20, height: NODE_HEIGHT });
  nodes.forEach((n, i) => g.setNode(id(i, 'in'), box(nodeLines(n))));
  g.setNode('in0', box(['input']));
  let outputs = 0;
  edges.forEach((e) => {
    const to = e.to >= 0 ? id(e.to, 'out') : `out${outputs++}`;
    if (e.to < 0) g.setNode(to, box(['output']));
    g.setEdge(id(e.from, 'in'), to);
  });
  layout(g);

  const { width = 0, height = 0 } = g.graph();
  const root = svg('svg', { class: 'graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  root.append(svg('title'));
  root.querySelector('title')!.textContent = `The graph the runtime runs: ${nodes.length} nodes`;
  const edgeLayer = svg('g', { class: 'edges' });
  for (const e of g.edges()) {
    const points = g.edge(e).points ?? [];
    const path = svg('path', { d: points.map((p, k) => `${k ? 'L' : 'M'}${p.x},${p.y}`).join(' '), 'marker-end': 'url(#arrow)' });
    edgeLayer.append(path);
  }
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 8 8', refX: 8, refY: 4, markerWidth: 6, markerHeight: 6, orient: 'auto' });
  marker.append(svg('path', { d: 'M0,0 L8,4 L0,8 z', class: 'arrow' }));
  defs.append(marker);

  const nodeLayer = svg('g', { class: 'nodes' });
  const drawn: SVGGElement[] = [];
  const place = (key: string, lines: string[], className: string): SVGGElement => {
    const { x = 0, y = 0, width: w = 0, height: h = 0 } = g.node(key);
    const group = svg('g', { class: `node ${className}`, transform: `translate(${x - w / 2},${y - h / 2})` });
    group.append(svg('rect', { width: w, height: h, rx: 5 }));
    lines.forEach((line, k) => {
      const text = svg('text', { x: w / 2, y: k === 0 ? 17 : 32, class: k === 0 ? 'op' : 'shape' });
      text.textContent = line;
      group.append(text);
    });
    nodeLayer.append(group);
    return group;
  };
  place('in0', ['input'], 'io');
  for (let k = 0; k < outputs; k++) place(`out${k}`, ['output'], 'io');
  nodes.forEach((n, i) => {
    const kind = n.layer === undefined ? 'data' : approximable(n.layer) ? 'approximable' : 'layer';
    const group = place(id(i, 'in'), nodeLines(n), kind);
    group.dataset.node = String(i);
    if (n.layer !== undefined) group.dataset.layer = String(n.layer);
    const tip = svg('title');
    tip.textContent = `${n.name}${n.layer !== undefined ? ` (layer ${n.layer})` : ''}`;
    group.append(tip);
    group.addEventListener('click', () => onSelect(i));
    drawn.push(group);
  });
  root.append(defs, edgeLayer, nodeLayer);
  return {
    element: root,
    select(node) {
      drawn.forEach((group, i) => group.classList.toggle('selected', i === node));
      if (node !== undefined) drawn[node].scrollIntoView({ block: 'nearest', inline: 'nearest' });
    },
  };
}
