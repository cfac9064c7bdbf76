/**
 * Float64 reference of a variational autoencoder's loss, in plain loops, and its gradients by central finite
 * differences. For a row x with noise ε (given, so the loss is a function of the parameters alone):
 *   h = encoder(x); mean = h·Wm + bm; logVar = h·Wv + bv; z = mean + exp(logVar/2)·ε; y = decoder(z)
 *   reconstruction = Σ_c bce(z_out, t) or Σ_c (y − t)²;  KL = −½ Σ_j (1 + logVar − mean² − exp(logVar))
 *   loss = mean over rows of (reconstruction + β·KL)
 */
import { elementLoss, forwardLayers, type RefLayer } from './reference.js';

export interface RefVae {
  /** Encoder hidden layers, then the decoder's layers (the last is the output). */
  encoder: RefLayer[];
  mean: RefLayer;
  logVar: RefLayer;
  decoder: RefLayer[];
  reconstruction: 'bce' | 'mse';
  klWeight: number;
}

export interface RefVaeLoss {
  loss: number;
  reconstruction: number;
  kl: number;
  rowLosses: number[];
}

/** The loss and its terms for rows x with noise eps (rows × latent), against target (default x). */
export function vaeLoss(vae: RefVae, x: number[][], eps: number[][], target: number[][] = x): RefVaeLoss {
  const encoded = forwardLayers(vae.encoder, x).activations;
  const h = vae.encoder.length === 0 ? x : encoded[vae.encoder.length - 1]!;
  const mean = forwardLayers([vae.mean], h).activations[0]!;
  const logVar = forwardLayers([vae.logVar], h).activations[0]!;
  const z = mean.map((row, r) => row.map((m, j) => m + Math.exp(logVar[r]![j]! / 2) * eps[r]![j]!));
  const decoded = forwardLayers(vae.decoder, z);
  const last = vae.decoder.length - 1;
  const pre = decoded.preActivations[last]!, out = decoded.activations[last]!;
  const rowLosses: number[] = [];
  let reconstruction = 0, kl = 0;
  for (let r = 0; r < x.length; r++) {
    let rowReconstruction = 0, rowKl = 0;
    for (let c = 0; c < out[r]!.length; c++) rowReconstruction += elementLoss(vae.reconstruction, pre[r]![c]!, out[r]![c]!, target[r]![c]!);
    for (let j = 0; j < mean[r]!.length; j++) {
      const m = mean[r]![j]!, v = logVar[r]![j]!;
      rowKl += -0.5 * (1 + v - m * m - Math.exp(v));
    }
    rowLosses.push(rowReconstruction + vae.klWeight * rowKl);
    reconstruction += rowReconstruction;
    kl += rowKl;
  }
  reconstruction /= x.length;
  kl /= x.length;
  return { loss: reconstruction + vae.klWeight * kl, reconstruction, kl, rowLosses };
}

/** Every parameter's dLoss/dθ by central differences of step h, by the model's parameter names. */
export function vaeFiniteDifferences(vae: RefVae, x: number[][], eps: number[][], h = 1e-5): Map<string, Float64Array> {
  const named = namedLayers(vae);
  const gradients = new Map<string, Float64Array>();
  for (const [name, layer] of named) {
    for (const [part, values] of [['weights', layer.W], ['biases', layer.b]] as const) {
      gradients.set(`${name}/${part}`, values.map((_, k) => {
        const saved = values[k]!;
        values[k] = saved + h;
        const plus = vaeLoss(vae, x, eps).loss;
        values[k] = saved - h;
        const minus = vaeLoss(vae, x, eps).loss;
        values[k] = saved;
        return (plus - minus) / (2 * h);
      }));
    }
  }
  return gradients;
}

/** The layers by the model's names: encode…, z_mean, z_log_var, decode…. */
export function namedLayers(vae: RefVae): [string, RefLayer][] {
  const scope = (base: string, k: number) => (k === 0 ? base : `${base}_${k}`);
  return [
    ...vae.encoder.map((layer, k) => [scope('encode', k), layer] as [string, RefLayer]),
    ['z_mean', vae.mean],
    ['z_log_var', vae.logVar],
    ...vae.decoder.map((layer, k) => [scope('decode', k), layer] as [string, RefLayer]),
  ];
}
