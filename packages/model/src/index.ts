export * from "./artifact";
export { Predictor, PredictInputError } from "./predict";
export { predictCsv, csvField, outputHeader, type PredictCsvOptions } from "./predict-csv";
export { exportOnnx, onnxFeatures, ONNX_OPSET } from "./onnx";
export { refit, RefitDivergedError, type RefitOptions } from "./refit";
export { ModelStore } from "./store";
