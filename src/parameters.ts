import type { Matrix } from './matrix.js';

/** Parameter names, as the chapter's TensorFlow name scopes name them. */
export type ParameterName = 'encode/weights' | 'encode/biases' | 'decode/weights' | 'decode/biases';
/** The parameters: encode/weights inputDim×hiddenDim, encode/biases 1×hiddenDim, decode/weights hiddenDim×inputDim, decode/biases 1×inputDim. */
export type Weights = Record<ParameterName, Matrix<Float32Array>>;

export const PARAMETERS: Readonly<Record<ParameterName, { layer: number; array: 'W' | 'b' }>> = {
  'encode/weights': { layer: 0, array: 'W' },
  'encode/biases': { layer: 0, array: 'b' },
  'decode/weights': { layer: 1, array: 'W' },
  'decode/biases': { layer: 1, array: 'b' },
};
