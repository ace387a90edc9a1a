/**
 * TFJS graph-model (model.json + .bin shards) to ONNX. Keeps TF's NHWC tensors and
 * wraps each conv/pool in NHWC->NCHW->NHWC Transposes; onnxruntime's transpose
 * optimiser cancels the adjacent pairs, so this costs nothing at run time.
 * Only the ops the shipped face models use are mapped; anything else fails loudly
 * with the node name so the graph can be cut before it (`outputs`).
 */
import { readFileSync } from 'node:fs';
import { dirname, basename } from 'node:path';
import { GraphBuilder, attr, hwioToOihw, DataType } from './builder.js';
import { loadWeights, type Weight, type WeightGroup } from './weights.js';
import { convertOp, type OpContext, type TfNode } from './tfjs-ops.js';

export interface TfjsGraphModelJson {
  format: string;
  modelTopology: { node: TfNode[] };
  weightsManifest: WeightGroup[];
  signature?: { outputs?: Record<string, { name: string }> };
}

export interface ConvertOptions {
  /** TF node names to expose as outputs (default: the signature's outputs). */
  outputs?: readonly string[];
  /** Fix the batch dimension (the face pipeline always runs batch 1). */
  batch?: number;
  meta?: Record<string, string>;
}

const clean = (s: string): string => s.replace(/^\^/, '').replace(/:0$/, '');
/** ONNX output name for a TF tensor name (slashes and colons are legal but awkward in JS). */
export const onnxOutputName = (tfName: string): string => clean(tfName).replace(/[:/]/g, '_');

function topoOrder(outNames: readonly string[], byName: Map<string, TfNode>): TfNode[] {
  const order: TfNode[] = [];
  const seen = new Set<string>();
  // Iterative DFS: faceres is deep enough to make recursion uncomfortable.
  const stack: Array<{ name: string; expanded: boolean }> = outNames.map((n) => ({ name: clean(n).split(':')[0] ?? n, expanded: false })).reverse();
  while (stack.length > 0) {
    const top = stack.pop() as { name: string; expanded: boolean };
    const node = byName.get(top.name);
    if (!node) throw new Error(`missing node ${top.name}`);
    if (top.expanded) {
      order.push(node);
      continue;
    }
    if (seen.has(top.name)) continue;
    seen.add(top.name);
    stack.push({ name: top.name, expanded: true });
    for (const i of [...(node.input ?? [])].reverse()) {
      const dep = clean(i).split(':')[0] ?? i;
      if (!seen.has(dep)) stack.push({ name: dep, expanded: false });
    }
  }
  return order;
}

function signatureOrSinks(model: TfjsGraphModelJson): string[] {
  const sig = Object.values(model.signature?.outputs ?? {}).map((o) => clean(o.name));
  if (sig.length > 0) return sig;
  const used = new Set<string>();
  for (const n of model.modelTopology.node) for (const i of n.input ?? []) used.add(clean(i).split(':')[0] ?? i);
  return model.modelTopology.node.filter((n) => !used.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp').map((n) => n.name);
}

/** Converts a graph model file to ONNX bytes. */
export function convertTfjsGraph(modelJsonPath: string, opts: ConvertOptions = {}): Buffer {
  const model = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as TfjsGraphModelJson;
  if (model.format !== 'graph-model') throw new Error(`${modelJsonPath}: not a graph-model (${model.format})`);
  const weights = loadWeights(dirname(modelJsonPath), model.weightsManifest);
  const tfNodes = model.modelTopology.node;
  const byName = new Map(tfNodes.map((n) => [n.name, n]));
  const g = new GraphBuilder(basename(modelJsonPath));
  const tensors = new Map<string, string>();

  const constOf = (tname: string): Weight | undefined => {
    let n = byName.get(clean(tname));
    while (n && n.op === 'Identity' && n.input?.[0]) n = byName.get(clean(n.input[0]));
    return n && n.op === 'Const' ? weights.get(n.name) : undefined;
  };
  const produced = (tname: string): string => {
    const key = tname.replace(/^\^/, '');
    const hit = tensors.get(clean(key)) ?? tensors.get(key);
    if (!hit) throw new Error(`tensor not yet produced: ${tname}`);
    return hit;
  };
  const value = (tname: string): string => {
    const base = clean(tname);
    const c = constOf(tname);
    if (c && !tensors.has(base)) {
      const nm = `w_${base}`;
      if (!g.hasInit(nm)) {
        if (c.dtype === 'float32') g.initFloat(nm, c.shape, c.data);
        else g.initInt64(nm, c.shape, c.data); // int consts are shapes/axes: int64 in ONNX
      }
      return nm;
    }
    return produced(tname);
  };
  const ctx: OpContext = { g, constOf, value, produced, setTensor: (k, v) => tensors.set(k, v) };

  for (const n of tfNodes.filter((x) => x.op === 'Placeholder')) {
    const dims = (n.attr?.['shape']?.shape?.dim ?? []).map((d, i) => {
      const size = Number(d.size);
      if (size >= 0) return size;
      return i === 0 && opts.batch ? opts.batch : `d${i}`;
    });
    g.addInput(n.name, dims);
    tensors.set(n.name, n.name);
  }
  const outNames = opts.outputs ?? signatureOrSinks(model);
  if (outNames.length === 0) throw new Error(`${modelJsonPath}: no outputs given and no signature`);
  for (const n of topoOrder(outNames, byName)) {
    if (n.op === 'Placeholder' || n.op === 'Const' || n.op === 'NoOp') continue;
    const y = convertOp(ctx, n);
    if (y !== undefined) tensors.set(n.name, y);
  }
  for (const o of outNames) {
    const nm = onnxOutputName(o);
    g.op('Identity', [produced(o)], [], nm);
    g.addOutput(nm);
  }
  return g.encode('tebura-tfjs2onnx', opts.meta);
}

export { hwioToOihw, attr, DataType };
