import type { Matrix } from '../matrix.js';
import type { LayerArray } from '../runtime/layout.js';

/** Parameter names, as the chapter's TensorFlow name scopes name them. */
export type ParameterName = 'encode/weights' | 'encode/biases' | 'decode/weights' | 'decode/biases';
/** The parameters: encode/weights inputDim×hiddenDim, encode/biases 1×hiddenDim, decode/weights hiddenDim×inputDim, decode/biases 1×inputDim. */
export type Weights = Record<ParameterName, Matrix<Float32Array>>;

/** Where each parameter lives: layer 0 is the encoder, layer 1 the decoder. */
export const PARAMETERS: Readonly<Record<ParameterName, { layer: number; array: 'W' | 'b' }>> = {
  'encode/weights': { layer: 0, array: 'W' },
  'encode/biases': { layer: 0, array: 'b' },
  'decode/weights': { layer: 1, array: 'W' },
  'decode/biases': { layer: 1, array: 'b' },
};

export const PARAMETER_NAMES = Object.keys(PARAMETERS) as ParameterName[];

/** Whether `name` is one of the four parameter names (own keys only, so 'toString' is not). */
export function isParameterName(name: string): name is ParameterName {
  return Object.hasOwn(PARAMETERS, name);
}

/** The shape of a parameter of an inputDim → hiddenDim → inputDim model. */
export function parameterShape(name: ParameterName, inputDim: number, hiddenDim: number): { rows: number; cols: number } {
  const { layer, array } = PARAMETERS[name];
  const [inDim, outDim] = layer === 0 ? [inputDim, hiddenDim] : [hiddenDim, inputDim];
  return array === 'W' ? { rows: inDim, cols: outDim } : { rows: 1, cols: outDim };
}

/** One array a checkpoint holds: a parameter or one of its optimizer slots. */
export interface StoredArray {
  name: string;
  layer: number;
  array: LayerArray;
  rows: number;
  cols: number;
}

/**
 * Every array of a model's state, in checkpoint order. Optimizer slots are named as TF1 names them:
 * `<variable>/RMSProp` (mean square) and `<variable>/RMSProp_1` (momentum, only when momentum ≠ 0).
 */
export function storedArrays(inputDim: number, hiddenDim: number, withMomentum: boolean): StoredArray[] {
  return PARAMETER_NAMES.flatMap((name) => {
    const { layer, array } = PARAMETERS[name];
    const shape = parameterShape(name, inputDim, hiddenDim);
    const slots: StoredArray[] = [
      { name, layer, array, ...shape },
      { name: `${name}/RMSProp`, layer, array: array === 'W' ? 'msW' : 'msb', ...shape },
    ];
    if (withMomentum) slots.push({ name: `${name}/RMSProp_1`, layer, array: array === 'W' ? 'momW' : 'momb', ...shape });
    return slots;
  });
}
