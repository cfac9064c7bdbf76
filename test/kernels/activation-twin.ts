// The naive f64 twin of the activations, shared by the activation and training specs.
import { LINEAR, TANH, SIGMOID, RELU, LEAKY_RELU, ELU } from "../../assembly/activations";

/** Leaky relu's slope below 0. */
const LEAK: f64 = 0.01;

export function kindName(kind: i32): string {
  if (kind == LINEAR) return "LINEAR";
  if (kind == TANH) return "TANH";
  if (kind == SIGMOID) return "SIGMOID";
  if (kind == RELU) return "RELU";
  if (kind == LEAKY_RELU) return "LEAKY_RELU";
  if (kind == ELU) return "ELU";
  return "kind " + kind.toString();
}

/** The activation in f64. */
export function activationTwin(kind: i32, x: f64): f64 {
  if (kind == TANH) return Math.tanh(x);
  if (kind == SIGMOID) return 1.0 / (1.0 + Math.exp(-x));
  if (kind == RELU) return x > 0 ? x : 0;
  if (kind == LEAKY_RELU) return x > 0 ? x : LEAK * x;
  if (kind == ELU) return x > 0 ? x : Math.expm1(x);
  return x;
}

/** f'(x) written in terms of the output y = f(x), in f64. */
export function derivativeTwin(kind: i32, y: f64): f64 {
  if (kind == TANH) return 1.0 - y * y;
  if (kind == SIGMOID) return y * (1.0 - y);
  if (kind == RELU) return y > 0 ? 1.0 : 0.0;
  if (kind == LEAKY_RELU) return y > 0 ? 1.0 : LEAK;
  if (kind == ELU) return y > 0 ? 1.0 : y + 1.0;
  return 1.0;
}
