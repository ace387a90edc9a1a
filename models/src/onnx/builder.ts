/**
 * A small ONNX graph builder over onnx-proto (protobufjs). Both converters emit
 * through it so naming, initialisers and the model header are done one way.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;
type INodeProto = onnxProto.onnx.INodeProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;

const AT = onnx.AttributeProto.AttributeType;
export const DataType = onnx.TensorProto.DataType;

/** Opset 13 is supported by every onnxruntime since 1.7 and has all ops we emit. */
export const OPSET = 13;

export const attr = {
  int: (name: string, i: number): IAttributeProto => ({ name, type: AT.INT, i }),
  float: (name: string, f: number): IAttributeProto => ({ name, type: AT.FLOAT, f }),
  str: (name: string, s: string): IAttributeProto => ({ name, type: AT.STRING, s: Buffer.from(s) }),
  ints: (name: string, ints: readonly number[]): IAttributeProto => ({ name, type: AT.INTS, ints: [...ints] }),
};

export type Dim = number | string;

export class GraphBuilder {
  readonly nodes: INodeProto[] = [];
  readonly initializers: ITensorProto[] = [];
  readonly inputs: IValueInfoProto[] = [];
  readonly outputs: IValueInfoProto[] = [];
  private readonly initNames = new Set<string>();
  private uid = 0;

  constructor(readonly name: string) {}

  tmp(base: string): string {
    return `${base}__${this.uid++}`;
  }

  /** Adds a node with one output named after its op; returns that output's name. */
  op(opType: string, input: readonly string[], attributes: readonly IAttributeProto[] = [], output?: string): string {
    const out = output ?? this.tmp(opType);
    this.nodes.push({ opType, input: [...input], output: [out], attribute: [...attributes], name: this.tmp(`n_${opType}`) });
    return out;
  }

  /** A node with several outputs (Split). */
  opMulti(opType: string, input: readonly string[], outputs: readonly string[], attributes: readonly IAttributeProto[] = []): void {
    this.nodes.push({ opType, input: [...input], output: [...outputs], attribute: [...attributes], name: this.tmp(`n_${opType}`) });
  }

  hasInit(name: string): boolean {
    return this.initNames.has(name);
  }

  initFloat(name: string, dims: readonly number[], data: ArrayLike<number>): string {
    const arr = Float32Array.from(data);
    this.initializers.push({ name, dims: [...dims], dataType: DataType.FLOAT, rawData: Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength) });
    this.initNames.add(name);
    return name;
  }

  initInt64(name: string, dims: readonly number[], data: ArrayLike<number>): string {
    const arr = new BigInt64Array(data.length);
    for (let i = 0; i < data.length; i++) arr[i] = BigInt(Math.trunc(data[i] as number));
    this.initializers.push({ name, dims: [...dims], dataType: DataType.INT64, rawData: Buffer.from(arr.buffer) });
    this.initNames.add(name);
    return name;
  }

  constFloat(data: readonly number[], dims: readonly number[] = [data.length]): string {
    return this.initFloat(this.tmp('cf'), dims, data);
  }

  constInt64(data: readonly number[], dims: readonly number[] = [data.length]): string {
    return this.initInt64(this.tmp('ci'), dims, data);
  }

  addInput(name: string, dims: readonly Dim[]): void {
    this.inputs.push({ name, type: { tensorType: { elemType: DataType.FLOAT, shape: shapeOf(dims) } } });
  }

  addOutput(name: string, dims?: readonly Dim[]): void {
    this.outputs.push({ name, type: { tensorType: { elemType: DataType.FLOAT, ...(dims ? { shape: shapeOf(dims) } : {}) } } });
  }

  /** Serialises the model; `meta` lands in metadata_props (the manifest repeats it). */
  encode(producer: string, meta: Record<string, string> = {}): Buffer {
    const model = onnx.ModelProto.fromObject({
      irVersion: 8,
      producerName: producer,
      producerVersion: '1',
      opsetImport: [{ domain: '', version: OPSET }],
      metadataProps: Object.entries(meta).map(([key, value]) => ({ key, value })),
      graph: { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    });
    return Buffer.from(onnx.ModelProto.encode(model).finish());
  }
}

function shapeOf(dims: readonly Dim[]): { dim: Array<{ dimValue: number } | { dimParam: string }> } {
  return { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) };
}

/** TF conv filter [kh,kw,ci,co] to ONNX [co,ci,kh,kw], each output channel scaled by `scale[o]` if given. */
export function hwioToOihw(data: ArrayLike<number>, shape: readonly number[], scale?: ArrayLike<number>): { data: Float32Array; dims: number[] } {
  const [kh = 0, kw = 0, ci = 0, co = 0] = shape;
  const out = new Float32Array(kh * kw * ci * co);
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++)
      for (let c = 0; c < ci; c++)
        for (let o = 0; o < co; o++) {
          const v = data[((a * kw + b) * ci + c) * co + o] as number;
          out[((o * ci + c) * kh + a) * kw + b] = scale ? v * (scale[o] as number) : v;
        }
  return { data: out, dims: [co, ci, kh, kw] };
}
