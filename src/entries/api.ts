// Every public export that runs in every runtime, without loading the module: the entries load it their way.
export { Autoencoder, type TestResult, type TargetOptions } from '../model/autoencoder.js';
export { VariationalAutoencoder, type Encoding, type Evaluation, type VaeGradientOptions, type VaeWeights } from '../model/vae.js';
export type { VariationalAutoencoderOptions, ResolvedVaeOptions, Reconstruction, VaeParameterName } from '../model/vae-options.js';
export { loadModel } from '../model/load-model.js';
export type { TrainOptions, EpochInfo, TrainHistory, EarlyStopping, ValidationData } from '../model/training.js';
export type { ParameterName, Weights } from '../model/parameters.js';
export type {
  Activation, OutputActivation, Loss, AutoencoderOptions, OptimizerOptions, RMSPropOptions, AdamOptions, SGDOptions, ResolvedOptions,
  ResolvedOptimizer, WeightInit, Threads, Precision, RunOptions,
} from '../model/options.js';
export { corrupt, type Corruption } from '../model/corruption.js';
export { anomalyThreshold, rocAuc, type Detection, type ThresholdOptions } from '../model/anomaly.js';
export { pretrainStacked } from '../model/stacked.js';
export { matrix, toArrays, type Matrix, type MatrixLike } from '../matrix.js';
export { getBatch } from '../data/batch.js';
export { bindData, type BoundData } from '../data/bound-data.js';
export { init, memoryBytes, type WasmSource } from '../runtime/wasm.js';
export { CheckpointError, DataFormatError, DisposedError, DivergenceError, WasmNotReadyError } from '../errors.js';
export { encodeCheckpoint, decodeCheckpoint, type Checkpoint, type CheckpointTensor } from '../io/checkpoint.js';
export { encodeNpy, encodeCsv } from '../io/npy.js';
export { lossCurveSvg } from '../plot.js';
export { loadCifar10, selectLabel, type Cifar10, type CifarFiles, type CifarOptions } from '../data/cifar.js';
export { grayscale, type GrayMethod, type GrayscaleOptions } from '../data/grayscale.js';
export { parseIdx, readIdx, loadIdxImages, loadIdxLabels, loadFashionMnist, type IdxArray } from '../data/idx.js';
export { readImage, decodeImage, DEFAULT_MAX_PIXELS, type Image, type ImageDataLike, type ImageReadOptions } from '../data/image.js';
export { resize, resizeTo, toGray, flatten, toPng, imageFromMatrixRow, imageGrid, type RowImageOptions } from '../data/image-ops.js';
export { toSafetensors, fromSafetensors, type SafetensorsOptions } from '../interop/safetensors.js';
export { toTfjsLayers, fromTfjsLayers, type TfjsLayers, type TfjsModelJson, type TfjsLayersOptions, type FromTfjsLayersOptions, type TfjsPart } from '../interop/tfjs-layers.js';
