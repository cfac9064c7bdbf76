// The fused RMSProp path (H_FUSED = 1: each dense layer applies RMSProp to its weights inside the weight-gradient
// product, rmsprop_tn, skipping units dead on every row; or, at batches above 1 where at most one unit in 8 is dead,
// the gradient product then a sweep of RMSProp over the layer's rows) against the unfused one (H_FUSED = 0:
// gradients into the gradient buffers, then the optimizer stage): the same loss, parameters, slots and bias
// gradients bit for bit.

import { train_step } from "../../assembly/train";
import { TANH, SIGMOID, RELU, LEAKY_RELU, ELU } from "../../assembly/activations";
import { LOSS_RMSE, LOSS_MSE, LOSS_BCE } from "../../assembly/loss";
import { Config, Net, makeNet, bitsEqual } from "./layout";
import { Buf, Check, checkUnchanged, seedTest } from "./util";

// (rows, momentum ×10, loss): batch 1 (rmsprop_tn's outer-product update), a small batch, and batches of 64+
// rows (its packed paths: panels of D for the 9→20 layer, panels of Aᵀ for the 20→11 and 11→9 layers)
const CASES: StaticArray<i32> = [
  1, 0, LOSS_RMSE,
  1, 9, LOSS_BCE,
  5, 5, LOSS_MSE,
  64, 0, LOSS_BCE,
  64, 9, LOSS_RMSE,
  67, 0, LOSS_MSE,
  67, 9, LOSS_BCE,
];

const MIDDLE: StaticArray<i32> = [TANH, ELU, LEAKY_RELU];

/** A 9→20→11→9 net (RELU, then `middle`, then SIGMOID) whose relu units 8..15 are dead on every input in ±1. */
function net(cfg: Config): Net {
  const m = makeNet(cfg);
  for (let o = 8; o < 16; o++) m.V[1].set(o, -50); // |x·W| ≤ 9·0.8 < 50
  return m;
}

function fusedCase(k: i32): void {
  const rows = CASES[k * 3], momentum = <f32>CASES[k * 3 + 1] / 10, loss = CASES[k * 3 + 2];
  const cfg = new Config([9, 20, 11, 9], [RELU, MIDDLE[k % 3], SIGMOID]);
  cfg.loss = loss;
  cfg.b = momentum;
  cfg.lr = 0.01;
  cfg.capacity = rows;
  cfg.seed = <u32>(500 + k);
  const unfused = net(cfg);
  cfg.fused = true;
  const fused = net(cfg);
  const label = "fused vs unfused " + cfg.name() + " rows=" + rows.toString();
  seedTest(<u32>(600 + k));
  const X = new Buf(rows * 9).fill(-1, 1), T = new Buf(rows * 9).fill(0, 1);
  // inside the product, the fused path stores no weight gradient: layer 0 (8 of its 20 units dead) at every batch,
  // and every layer at batch 1; the others sweep over a gradient with the unfused path's bits
  const weightGrads: Array<Buf> = [];
  for (let l = 0; l < fused.layers; l++) weightGrads.push(fused.G[2 * l].copy());
  for (let s = 0; s < 2; s++) {
    const c = new Check(label + " step " + s.toString() + " loss");
    c.same(0, train_step(fused.desc, X.p, T.p, rows), train_step(unfused.desc, X.p, T.p, rows));
    c.done();
    bitsEqual(label + " step " + s.toString() + " parameters, slots and state", fused.trained(), unfused.trained());
    for (let l = 0; l < fused.layers; l++) {
      bitsEqual(label + " step " + s.toString() + " b" + l.toString() + " gradient", [fused.G[2 * l + 1]], [unfused.G[2 * l + 1]]);
      if (l == 0 || rows == 1) checkUnchanged(label + " W" + l.toString() + " gradient buffer", fused.G[2 * l], weightGrads[l]);
      else bitsEqual(label + " step " + s.toString() + " W" + l.toString() + " gradient (swept)", [fused.G[2 * l]], [unfused.G[2 * l]]);
    }
  }
  // units 8..15 of layer 0 were dead on every row, so the fused path skipped their whole 8-column block
  const dead = new Check(label + " dead units' live flags");
  for (let o = 8; o < 16; o++) dead.holds(o, load<i32>(fused.LIVE[0].addr(o)) == 0, <f64>load<i32>(fused.LIVE[0].addr(o)), 0);
  dead.done();
  for (let l = 0; l < weightGrads.length; l++) weightGrads[l].free();
  X.free(); T.free();
  fused.free(); unfused.free();
}

describe("fused RMSProp (H_FUSED = 1) against gradients then the optimizer stage (H_FUSED = 0)", () => {
  it("batch 1, without and with momentum", () => {
    fusedCase(0);
    fusedCase(1);
  });
  it("batch 5 with momentum", () => { fusedCase(2); });
  it("batches of 64 and 67 rows with layers of 9 to 20 columns (packed panels), without and with momentum", () => {
    for (let k = 3; k < CASES.length / 3; k++) fusedCase(k);
  });
});
