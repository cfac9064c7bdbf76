import type { LayerSpec } from '../runtime/network.js';
import type { ResolvedOptions } from './options.js';

/**
 * A printable table of a model's layers (name, shape in → out, activation, parameters) with the total, then the
 * loss and the optimizer, e.g.
 * ```text
 * layer      shape       activation   parameters
 * encode     784 → 256   relu            200,960
 * …
 * total                                  435,536
 * loss bce, optimizer rmsprop
 * ```
 */
export function summaryTable(layers: readonly LayerSpec[], options: { loss: string; optimizer: Pick<ResolvedOptions['optimizer'], 'name'> }): string {
  const rows = layers.map((layer) => [layer.name, `${layer.inDim} → ${layer.outDim}`, layer.kind === 'sampling' ? 'sampling' : layer.activation, count(parameters(layer))]);
  const total = layers.reduce((sum, layer) => sum + parameters(layer), 0);
  const table = [['layer', 'shape', 'activation', 'parameters'], ...rows, ['total', '', '', count(total)]];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...table.map((row) => row[c]!.length)));
  const line = (row: string[]): string => row.map((cell, c) => (c === 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('   ').trimEnd();
  return [...table.map(line), `loss ${options.loss}, optimizer ${options.optimizer.name}`].join('\n');
}

/** A layer's parameter count: a dense layer's weights and biases; a sampling layer has none. */
function parameters(layer: LayerSpec): number {
  return layer.kind === 'sampling' ? 0 : layer.inDim * layer.outDim + layer.outDim;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
