/** TF op to ONNX node mappings for the TFJS graph converter (NHWC kept outside conv/pool). */
import { attr, hwioToOihw, DataType, type GraphBuilder } from './builder.js';
import type { Weight } from './weights.js';

export interface TfAttr {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { i?: Array<string | number>; s?: string[] };
  shape?: { dim?: Array<{ size: string | number }> };
}
export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}
export interface OpContext {
  g: GraphBuilder;
  constOf(tname: string): Weight | undefined;
  /** ONNX name for an input tensor; materialises consts as initialisers. */
  value(tname: string): string;
  produced(tname: string): string;
  setTensor(tfName: string, onnxName: string): void;
}

const b64 = (s: string): string => Buffer.from(s, 'base64').toString();
const attrS = (n: TfNode, k: string): string | undefined => (n.attr?.[k]?.s ? b64(n.attr[k].s) : undefined);
const attrInts = (n: TfNode, k: string): number[] | undefined => n.attr?.[k]?.list?.i?.map(Number);
const attrStrs = (n: TfNode, k: string): string[] => (n.attr?.[k]?.list?.s ?? []).map(b64);
const attrB = (n: TfNode, k: string): boolean => n.attr?.[k]?.b === true;
const attrF = (n: TfNode, k: string, d: number): number => (n.attr?.[k]?.f !== undefined ? Number(n.attr[k].f) : d);
const attrI = (n: TfNode, k: string, d: number): number => (n.attr?.[k]?.i !== undefined ? Number(n.attr[k].i) : d);

const BINARY: Readonly<Record<string, string>> = { Add: 'Add', AddV2: 'Add', BiasAdd: 'Add', Sub: 'Sub', Mul: 'Mul', RealDiv: 'Div', Maximum: 'Max', Minimum: 'Min' };
const UNARY: Readonly<Record<string, string>> = { Relu: 'Relu', Sigmoid: 'Sigmoid', Tanh: 'Tanh', Abs: 'Abs', Exp: 'Exp', Sqrt: 'Sqrt', Neg: 'Neg', Reciprocal: 'Reciprocal', Identity: 'Identity', Elu: 'Elu' };

function need(w: Weight | undefined, what: string, n: TfNode): Weight {
  if (!w) throw new Error(`${n.op} ${n.name}: ${what} is not a constant`);
  return w;
}

function padAttrs(n: TfNode): ReturnType<typeof attr.ints>[] {
  const p = attrS(n, 'padding');
  if (p === 'VALID') return [attr.ints('pads', [0, 0, 0, 0])];
  if (p === 'SAME') return [attr.str('auto_pad', 'SAME_UPPER')];
  if (p === 'EXPLICIT') {
    const e = attrInts(n, 'explicit_paddings') ?? [];
    return [attr.ints('pads', [e[2] ?? 0, e[4] ?? 0, e[3] ?? 0, e[5] ?? 0])];
  }
  throw new Error(`${n.name}: padding ${String(p)}`);
}

const toNCHW = (c: OpContext, x: string): string => c.g.op('Transpose', [x], [attr.ints('perm', [0, 3, 1, 2])]);
const toNHWC = (c: OpContext, x: string): string => c.g.op('Transpose', [x], [attr.ints('perm', [0, 2, 3, 1])]);

function activation(c: OpContext, fused: readonly string[], x: string, n: TfNode, ins: readonly string[]): string {
  let y = x;
  for (const op of fused) {
    if (op === 'BiasAdd') continue;
    else if (op === 'Relu') y = c.g.op('Relu', [y]);
    else if (op === 'Relu6') y = c.g.op('Clip', [y, c.g.constFloat([0], []), c.g.constFloat([6], [])]);
    else if (op === 'Elu') y = c.g.op('Elu', [y]);
    else if (op === 'Sigmoid') y = c.g.op('Sigmoid', [y]);
    else if (op === 'LeakyRelu') y = c.g.op('LeakyRelu', [y], [attr.float('alpha', attrF(n, 'leakyrelu_alpha', 0.2))]);
    else if (op === 'Prelu') {
      const a = need(c.constOf(ins[3] ?? ''), 'prelu alpha', n);
      y = c.g.op('PRelu', [y, c.g.initFloat(c.g.tmp('prelu'), [a.data.length, 1, 1], a.data)]);
    } else throw new Error(`fused op ${op} in ${n.name}`);
  }
  return y;
}

function conv(c: OpContext, n: TfNode, ins: readonly string[]): string {
  const w = need(c.constOf(ins[1] ?? ''), 'filter', n);
  const [kh = 0, kw = 0, ci = 0, co = 0] = w.shape;
  const depthwise = n.op.includes('Depthwise');
  let W: Float32Array;
  let dims: number[];
  if (!depthwise) ({ data: W, dims } = hwioToOihw(w.data, w.shape));
  else {
    // [kh,kw,ci,mult] -> [ci*mult,1,kh,kw], one group per input channel
    W = new Float32Array(w.data.length);
    dims = [ci * co, 1, kh, kw];
    for (let a = 0; a < kh; a++)
      for (let b = 0; b < kw; b++)
        for (let ch = 0; ch < ci; ch++)
          for (let k = 0; k < co; k++) W[(ch * co + k) * kh * kw + a * kw + b] = w.data[((a * kw + b) * ci + ch) * co + k] as number;
  }
  const fused = n.op.startsWith('_Fused') || n.op.startsWith('Fused') ? attrStrs(n, 'fused_ops') : [];
  if (fused.includes('FusedBatchNorm')) throw new Error(`${n.name}: FusedBatchNorm not supported`);
  const cin = [toNCHW(c, c.produced(ins[0] ?? '')), c.g.initFloat(c.g.tmp('W'), dims, W)];
  if (fused.includes('BiasAdd')) {
    const b = need(c.constOf(ins[2] ?? ''), 'bias', n);
    cin.push(c.g.initFloat(c.g.tmp('B'), [b.data.length], b.data));
  }
  const s = attrInts(n, 'strides') ?? [1, 1, 1, 1];
  const d = attrInts(n, 'dilations') ?? [1, 1, 1, 1];
  const x = c.g.op('Conv', cin, [
    attr.ints('strides', [s[1] ?? 1, s[2] ?? 1]),
    attr.ints('dilations', [d[1] ?? 1, d[2] ?? 1]),
    attr.ints('kernel_shape', [kh, kw]),
    attr.int('group', depthwise ? ci : 1),
    ...padAttrs(n),
  ]);
  return toNHWC(c, activation(c, fused, x, n, ins));
}

function shapeOps(c: OpContext, n: TfNode, ins: readonly string[]): string | undefined {
  const { g } = c;
  const v0 = (): string => c.value(ins[0] ?? '');
  const ints = (i: number, what: string): number[] => Array.from(need(c.constOf(ins[i] ?? ''), what, n).data);
  switch (n.op) {
    case 'Reshape':
      return g.op('Reshape', [v0(), g.constInt64(ints(1, 'shape'))]);
    case 'Squeeze': {
      const ax = attrInts(n, 'squeeze_dims') ?? [];
      return ax.length ? g.op('Squeeze', [v0(), g.constInt64(ax)]) : g.op('Squeeze', [v0()]);
    }
    case 'ExpandDims':
      return g.op('Unsqueeze', [v0(), g.constInt64(ints(1, 'axis'))]);
    case 'ConcatV2': {
      const axis = ints(ins.length - 1, 'axis')[0] ?? 0;
      return g.op('Concat', ins.slice(0, -1).map((i) => c.value(i)), [attr.int('axis', axis)]);
    }
    case 'Pad':
    case 'PadV2':
    case 'MirrorPad': {
      const p = ints(1, 'paddings');
      const r = p.length / 2;
      const pads = [...Array(r).keys()].map((i) => p[2 * i] ?? 0).concat([...Array(r).keys()].map((i) => p[2 * i + 1] ?? 0));
      const pin = [v0(), g.constInt64(pads)];
      if (n.op === 'PadV2') pin.push(g.constFloat([need(c.constOf(ins[2] ?? ''), 'pad value', n).data[0] ?? 0], []));
      return g.op('Pad', pin, n.op === 'MirrorPad' ? [attr.str('mode', 'reflect')] : []);
    }
    case 'Transpose':
      return g.op('Transpose', [v0()], [attr.ints('perm', ints(1, 'perm'))]);
    case 'Mean':
    case 'Max': {
      const keep = attrB(n, 'keep_dims') ? 1 : 0;
      return g.op(n.op === 'Mean' ? 'ReduceMean' : 'ReduceMax', [v0()], [attr.ints('axes', ints(1, 'axes')), attr.int('keepdims', keep)]);
    }
    case 'Sum':
      return g.op('ReduceSum', [v0(), g.constInt64(ints(1, 'axes'))], [attr.int('keepdims', attrB(n, 'keep_dims') ? 1 : 0)]);
    case 'Cast': {
      const dst = n.attr?.['DstT']?.type;
      const to = dst === 'DT_FLOAT' ? DataType.FLOAT : dst === 'DT_INT32' ? DataType.INT32 : dst === 'DT_INT64' ? DataType.INT64 : undefined;
      if (to === undefined) throw new Error(`${n.name}: Cast to ${String(dst)}`);
      return g.op('Cast', [v0()], [attr.int('to', to)]);
    }
    case 'Pack': {
      const axis = attrI(n, 'axis', 0);
      return g.op('Concat', ins.map((i) => g.op('Unsqueeze', [c.value(i), g.constInt64([axis])])), [attr.int('axis', axis)]);
    }
    case 'Unpack': {
      const axis = attrI(n, 'axis', 0);
      const parts = [...Array(attrI(n, 'num', 0)).keys()].map(() => g.tmp('unpack'));
      g.opMulti('Split', [v0()], parts, [attr.int('axis', axis)]);
      parts.forEach((p, i) => c.setTensor(i === 0 ? n.name : `${n.name}:${i}`, g.op('Squeeze', [p, g.constInt64([axis])])));
      return undefined;
    }
    default:
      throw new Error(`unsupported op ${n.op} (${n.name}); cut the graph before it with outputs`);
  }
}

/** Emits ONNX nodes for one TF node; returns its output tensor (undefined when it set several). */
export function convertOp(c: OpContext, n: TfNode): string | undefined {
  const ins = (n.input ?? []).filter((i) => !i.startsWith('^'));
  const { g } = c;
  const v = (i: number): string => c.value(ins[i] ?? '');
  if (n.op === 'Conv2D' || n.op === '_FusedConv2D' || n.op === 'DepthwiseConv2dNative' || n.op === 'FusedDepthwiseConv2dNative') return conv(c, n, ins);
  if (n.op === 'MaxPool' || n.op === 'AvgPool') {
    const k = attrInts(n, 'ksize') ?? [1, 1, 1, 1];
    const s = attrInts(n, 'strides') ?? [1, 1, 1, 1];
    const x = g.op(n.op === 'MaxPool' ? 'MaxPool' : 'AveragePool', [toNCHW(c, c.produced(ins[0] ?? ''))], [
      attr.ints('kernel_shape', [k[1] ?? 1, k[2] ?? 1]),
      attr.ints('strides', [s[1] ?? 1, s[2] ?? 1]),
      ...padAttrs(n),
    ]);
    return toNHWC(c, x);
  }
  if (n.op === '_FusedMatMul' || n.op === 'MatMul') {
    const fused = n.op === '_FusedMatMul' ? attrStrs(n, 'fused_ops') : [];
    const gin = [v(0), v(1)];
    if (fused.includes('BiasAdd')) gin.push(v(2));
    const x = g.op('Gemm', gin, [attr.int('transA', attrB(n, 'transpose_a') ? 1 : 0), attr.int('transB', attrB(n, 'transpose_b') ? 1 : 0)]);
    return activation(c, fused, x, n, ins);
  }
  const bin = BINARY[n.op];
  if (bin) return g.op(bin, [v(0), v(1)]);
  const un = UNARY[n.op];
  if (un) return g.op(un, [v(0)]);
  if (n.op === 'Relu6') return g.op('Clip', [v(0), g.constFloat([0], []), g.constFloat([6], [])]);
  if (n.op === 'LeakyRelu') return g.op('LeakyRelu', [v(0)], [attr.float('alpha', attrF(n, 'alpha', 0.2))]);
  if (n.op === 'Softmax') return g.op('Softmax', [v(0)], [attr.int('axis', -1)]);
  if (n.op === 'Square') {
    const a = v(0);
    return g.op('Mul', [a, a]);
  }
  if (n.op === 'SquaredDifference') {
    const d = g.op('Sub', [v(0), v(1)]);
    return g.op('Mul', [d, d]);
  }
  if (n.op === 'Rsqrt') return g.op('Reciprocal', [g.op('Sqrt', [v(0)])]);
  return shapeOps(c, n, ins);
}
