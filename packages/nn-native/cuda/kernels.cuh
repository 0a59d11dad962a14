// CUDA versions of the MLP engine's kernels (same math, names and layouts as
// packages/nn/src/kernels/*.ts and ../src/kernels.h): row-major, batch-major, float32.
// All pointers are device pointers; every launcher runs on the stream it is given.
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include <cuda_runtime.h>

namespace nncuda {

// Activation ids, in the order of ACTIVATIONS in activations.ts.
enum Act : int { RELU = 0, LEAKY_RELU = 1, ABS = 2, PRELU = 3, MAXOUT = 4, SIGMOID = 5, TANH = 6, IDENTITY = 7 };
// Output units, in the order of OUTPUT_UNITS in output-units.ts.
enum Out : int { OUT_SIGMOID = 0, OUT_SOFTMAX = 1, OUT_SOFTMAX_KM1 = 2, OUT_LINEAR = 3 };

int actFromName(const std::string& name);  // -1 when unknown
int outFromName(const std::string& name);  // -1 when unknown

void check(cudaError_t e, const char* what);

// Opaque GEMM context: a cuBLAS handle when built with cuBLAS, else nothing (own tiled kernel).
struct Gemm;
Gemm* gemmCreate(cudaStream_t s);
void gemmDestroy(Gemm* g);
const char* gemmName();  // "cublas" or "tiled"
// Row-major C (M×N) = op(A)·op(B) + beta·C, op(X) = Xᵀ when trans. lda/ldb/ldc are row strides.
void gemmRowMajor(Gemm* g, bool transA, bool transB, int M, int N, int K, const float* A, int lda, const float* B, int ldb,
                  float beta, float* C, int ldc);

// Z = A·W + b (B×Dout).
void linearForward(Gemm* g, const float* A, const float* W, const float* b, float* Z, int B, int Din, int Dout, cudaStream_t s);
// dW = Aᵀ dZ, db = colsum dZ, dA = dZ Wᵀ (skipped when dA is null).
void linearBackward(Gemm* g, const float* A, const float* W, const float* dZ, float* dA, float* dW, float* db, int B, int Din,
                    int Dout, cudaStream_t s);
// Z += b (broadcast over rows), then A = act(Z): the bias add fused with an elementwise unit.
// act may be IDENTITY (A may then be null) or an elementwise unit (not PRELU/MAXOUT).
void biasActivationForward(int act, float* Z, const float* b, float* A, int B, int D, float leakyAlpha, cudaStream_t s);
void activationForward(int act, const float* Z, float* A, int len, float leakyAlpha, cudaStream_t s);
// dZ = act'(Z or A) ⊙ dA; dZ may equal dA.
void activationBackward(int act, const float* Z, const float* A, const float* dA, float* dZ, int len, float leakyAlpha,
                        cudaStream_t s);
void preluForward(const float* Z, const float* alpha, float* A, int B, int D, cudaStream_t s);
void preluBackward(const float* Z, const float* alpha, const float* dA, float* dZ, float* dAlpha, int B, int D, cudaStream_t s);
void maxoutForward(const float* Z, float* A, int32_t* winners, int B, int D, int k, cudaStream_t s);
void maxoutBackward(const int32_t* winners, const float* dA, float* dZ, int B, int D, int k, cudaStream_t s);
// out = output unit of the logits Z (B×outputDim; softmax_km1 reads B×(K−1) logits).
void outputForward(int unit, const float* Z, float* out, int B, int outputDim, cudaStream_t s);
// One kernel: per-row cost and δ(L) = ∂(mean cost)/∂Z; the mean cost lands in *lossSum (device double, summed then /B).
void outputLossAndDelta(int unit, const float* Z, const float* y, float* dZ, double* lossSum, int B, int outputDim, cudaStream_t s);
// ĝ = g·scale + λw; with v: v ← μv − ηĝ, w ← w + v; without (v null): w ← w − ηĝ. Adds Σg² to *sq
// (sq may be null: no reduction).
void sgdUpdate(float* w, const float* g, float* v, int n, float lr, float mu, float lambda, float scale, double* sq, cudaStream_t s);
// Adds Σx² to *sq (device double).
void sumSquares(const float* x, int n, double* sq, cudaStream_t s);

// A network resident on the device for a whole trial: parameters, momentum buffers,
// activations and gradients are allocated once; step() uploads only the batch.
struct LayerSpec {
  int units;       // hidden units (or outputs for the last layer)
  int act;         // Act for hidden layers; ignored for the output layer
  int pieces = 1;  // maxout pieces
};

class CudaNet {
 public:
  // hidden: the hidden layers; outputUnit/outputDim: the output layer. capacity: the batch the
  // activation buffers hold at first (reserve() grows them). clipNorm > 0: the gradient's global
  // L2 norm is clipped to it before the update (scale = clipNorm / ‖g‖ when ‖g‖ > clipNorm).
  CudaNet(int inputDim, const std::vector<LayerSpec>& hidden, int outputUnit, int outputDim, int capacity, float leakyAlpha,
          float momentum, float weightDecay, float clipNorm = 0.f);
  ~CudaNet();
  CudaNet(const CudaNet&) = delete;
  CudaNet& operator=(const CudaNet&) = delete;

  // Parameter tensors in model.params order: W1, b1, (alpha1), W2, b2, … Sizes in floats.
  size_t paramCount() const { return params_.size(); }
  size_t paramSize(size_t p) const { return sizes_[p]; }
  void setParam(size_t p, const float* host);
  void getParam(size_t p, float* host) const;
  // One SGD step on X (B×inputDim, host) and y (host): forward, mean cost, δ(L), backward, update.
  // Returns the mean cost before the update; a non-finite cost leaves the parameters unchanged.
  double step(const float* X, const float* y, int B, float learningRate);
  // Same, with X and y already on the device (for timing the step without host transfers).
  double stepDevice(const float* dX, const float* dy, int B, float learningRate);
  // Σg² of every parameter tensor's raw gradient at the last step (host copy, model.params order).
  const std::vector<double>& sqNorms() const { return sq_; }

  // Grows the per-row buffers (activations, batch) to hold B rows; parameters are kept.
  void reserve(int B);
  int capacity() const { return capacity_; }
  int inputDim() const { return inputDim_; }
  int outputDim() const { return outputDim_; }
  // Rows of targets: outputDim floats per row for the linear unit, one label otherwise.
  int targetWidth() const { return outputUnit_ == OUT_LINEAR ? outputDim_ : 1; }
  size_t layerCount() const { return layers_.size(); }
  int layerWidth(size_t l) const { return layers_.at(l).width; }
  // Output-unit values of the first B rows of X (host) into out (host, B×outputDim); the pass's
  // preactivations stay on the device for preactivations() and loss().
  void forward(const float* X, int B, float* out);
  // Mean cost of the last pass's first B rows (after forward() or step()) against y (host).
  double loss(const float* y, int B);
  // Z of weight layer l from the last pass, first B rows (B×layerWidth(l)), into host.
  void preactivations(size_t l, int B, float* host) const;
  // host[j] = 1 when column j of layer l's Z was > 0 in some of the last pass's first B rows,
  // else 0 (layerWidth(l) bytes): the dead-unit diagnostic without downloading Z.
  void positiveColumns(size_t l, int B, uint8_t* host) const;

 private:
  struct Layer {
    int din, width, units, act, pieces;
    int w, b, alpha;  // indices into params_
  };
  void forwardPass(const float* dX, int B);
  void allocRows(int capacity);
  void freeRows();
  void release();
  int inputDim_, outputUnit_, outputDim_, capacity_;
  float leakyAlpha_, momentum_, weightDecay_, clipNorm_;
  std::vector<Layer> layers_;
  std::vector<float*> params_, grads_, velocity_;
  std::vector<size_t> sizes_;
  std::vector<bool> decay_;
  std::vector<float*> Z_, A_, dZ_, dA_;
  std::vector<int32_t*> winners_;
  float *dX_ = nullptr, *dy_ = nullptr, *dOut_ = nullptr;
  double* scalars_ = nullptr;  // [0] loss sum, [1..] Σg² per tensor
  uint8_t* flags_ = nullptr;   // positiveColumns' per-column answer (widest layer)
  std::vector<double> hostScalars_, sq_;
  cudaStream_t stream_ = nullptr;
  Gemm* gemm_ = nullptr;
};

}  // namespace nncuda
