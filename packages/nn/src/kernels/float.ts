// The element types the kernels run on. Training uses Float32Array (half the memory traffic);
// Float64Array is the reference path that finite-difference checks and outside tools compare
// against. Kernels take either, so one implementation serves both.

export type FloatArray = Float32Array | Float64Array;

export type Dtype = "float32" | "float64";

export const DTYPES: readonly Dtype[] = ["float32", "float64"];

export function allocFloat(dtype: Dtype, length: number): FloatArray {
  return dtype === "float64" ? new Float64Array(length) : new Float32Array(length);
}
