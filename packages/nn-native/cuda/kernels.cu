// CUDA kernels of the MLP engine and the device-resident CudaNet. The formulas follow the
// TypeScript reference kernels (packages/nn/src/kernels/*.ts) one for one; the driver checks them.
#include "kernels.cuh"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#if defined(NNCUDA_USE_CUBLAS) && __has_include(<cublas_v2.h>)
#include <cublas_v2.h>
#define NNCUDA_HAVE_CUBLAS 1
#else
#define NNCUDA_HAVE_CUBLAS 0
#endif

namespace nncuda {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}

static const char* kActNames[] = {"relu", "leaky_relu", "abs", "prelu", "maxout", "sigmoid", "tanh", "identity"};
static const char* kOutNames[] = {"sigmoid", "softmax", "softmax_km1", "linear"};
int actFromName(const std::string& n) {
  for (int i = 0; i < 8; i++)
    if (n == kActNames[i]) return i;
  return -1;
}
int outFromName(const std::string& n) {
  for (int i = 0; i < 4; i++)
    if (n == kOutNames[i]) return i;
  return -1;
}

static inline int blocks(long n, int t) { return (int)((n + t - 1) / t); }
static inline void launched(const char* what) { check(cudaGetLastError(), what); }

// ---------------- GEMM ----------------
struct Gemm {
  cudaStream_t stream;
#if NNCUDA_HAVE_CUBLAS
  cublasHandle_t handle;
#endif
};

Gemm* gemmCreate(cudaStream_t s) {
  Gemm* g = new Gemm{s};
#if NNCUDA_HAVE_CUBLAS
  if (cublasCreate(&g->handle) != CUBLAS_STATUS_SUCCESS) throw std::runtime_error("cublasCreate failed");
  cublasSetStream(g->handle, s);
  // Plain FP32 (no TF32): the check compares against float32/float64 reference arithmetic.
  cublasSetMathMode(g->handle, CUBLAS_PEDANTIC_MATH);
#endif
  return g;
}
void gemmDestroy(Gemm* g) {
#if NNCUDA_HAVE_CUBLAS
  cublasDestroy(g->handle);
#endif
  delete g;
}
const char* gemmName() { return NNCUDA_HAVE_CUBLAS ? "cublas" : "tiled"; }

constexpr int TILE = 32;
constexpr int SUB = 4;  // each thread computes SUB rows of a TILE×TILE output tile

// Tiled shared-memory SGEMM (row-major), used when cuBLAS is not available at build time.
// Block (TILE, TILE/SUB) threads; each thread owns a column and SUB rows of the output tile.
__global__ void sgemmTiled(bool tA, bool tB, int M, int N, int K, const float* __restrict__ A, int lda,
                           const float* __restrict__ B, int ldb, float beta, float* __restrict__ C, int ldc) {
  __shared__ float As[TILE][TILE + 1];
  __shared__ float Bs[TILE][TILE + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int row0 = blockIdx.y * TILE, col = blockIdx.x * TILE + tx;
  float acc[SUB] = {0.f, 0.f, 0.f, 0.f};
  for (int k0 = 0; k0 < K; k0 += TILE) {
    for (int r = ty; r < TILE; r += TILE / SUB) {
      const int i = row0 + r, k = k0 + tx;  // As[r][tx] = op(A)[i][k]
      As[r][tx] = (i < M && k < K) ? (tA ? A[(long)k * lda + i] : A[(long)i * lda + k]) : 0.f;
      const int kk = k0 + r, j = col;  // Bs[r][tx] = op(B)[kk][j]
      Bs[r][tx] = (kk < K && j < N) ? (tB ? B[(long)j * ldb + kk] : B[(long)kk * ldb + j]) : 0.f;
    }
    __syncthreads();
#pragma unroll 8
    for (int k = 0; k < TILE; k++) {
      const float b = Bs[k][tx];
#pragma unroll
      for (int s = 0; s < SUB; s++) acc[s] += As[ty + s * (TILE / SUB)][k] * b;
    }
    __syncthreads();
  }
  if (col >= N) return;
  for (int s = 0; s < SUB; s++) {
    const int i = row0 + ty + s * (TILE / SUB);
    if (i < M) C[(long)i * ldc + col] = acc[s] + (beta != 0.f ? beta * C[(long)i * ldc + col] : 0.f);
  }
}

void gemmRowMajor(Gemm* g, bool tA, bool tB, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float beta,
                  float* C, int ldc) {
#if NNCUDA_HAVE_CUBLAS
  // Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands.
  const float one = 1.f;
  cublasStatus_t st = cublasSgemm(g->handle, tB ? CUBLAS_OP_T : CUBLAS_OP_N, tA ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, &one, B, ldb,
                                  A, lda, &beta, C, ldc);
  if (st != CUBLAS_STATUS_SUCCESS) throw std::runtime_error("cublasSgemm failed");
#else
  dim3 block(TILE, TILE / SUB), grid(blocks(N, TILE), blocks(M, TILE));
  sgemmTiled<<<grid, block, 0, g->stream>>>(tA, tB, M, N, K, A, lda, B, ldb, beta, C, ldc);
  launched("sgemmTiled");
#endif
}

// ---------------- elementwise units ----------------
__device__ __forceinline__ float sigmoidf_(float z) {
  if (z >= 0.f) return 1.f / (1.f + expf(-z));
  const float e = expf(z);
  return e / (1.f + e);
}

__device__ __forceinline__ float actF(int act, float z, float alpha) {
  switch (act) {
    case RELU: return z > 0.f ? z : 0.f;
    case LEAKY_RELU: return z > 0.f ? z : alpha * z;
    case ABS: return fabsf(z);
    case SIGMOID: return sigmoidf_(z);
    case TANH: return tanhf(z);
    default: return z;
  }
}

// act'(z)·g; sigmoid and tanh use the forward output a.
__device__ __forceinline__ float actB(int act, float z, float a, float g, float alpha) {
  switch (act) {
    case RELU: return z > 0.f ? g : 0.f;
    case LEAKY_RELU: return z > 0.f ? g : alpha * g;
    case ABS: return z > 0.f ? g : (z < 0.f ? -g : 0.f);
    case SIGMOID: return g * a * (1.f - a);
    case TANH: return g * (1.f - a * a);
    default: return g;
  }
}

__global__ void kBiasAct(int act, float* Z, const float* b, float* A, long len, int D, float alpha) {
  const long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
  if (i >= len) return;
  const float z = Z[i] + b[i % D];
  Z[i] = z;
  if (A) A[i] = actF(act, z, alpha);
}
__global__ void kAct(int act, const float* Z, float* A, long len, float alpha) {
  const long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
  if (i < len) A[i] = actF(act, Z[i], alpha);
}
__global__ void kActB(int act, const float* Z, const float* A, const float* dA, float* dZ, long len, float alpha) {
  const long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
  if (i < len) dZ[i] = actB(act, Z ? Z[i] : 0.f, A ? A[i] : 0.f, dA[i], alpha);
}

void biasActivationForward(int act, float* Z, const float* b, float* A, int B, int D, float alpha, cudaStream_t s) {
  const long len = (long)B * D;
  kBiasAct<<<blocks(len, 256), 256, 0, s>>>(act, Z, b, A, len, D, alpha);
  launched("biasActivationForward");
}
void activationForward(int act, const float* Z, float* A, int len, float alpha, cudaStream_t s) {
  kAct<<<blocks(len, 256), 256, 0, s>>>(act, Z, A, len, alpha);
  launched("activationForward");
}
void activationBackward(int act, const float* Z, const float* A, const float* dA, float* dZ, int len, float alpha, cudaStream_t s) {
  kActB<<<blocks(len, 256), 256, 0, s>>>(act, Z, A, dA, dZ, len, alpha);
  launched("activationBackward");
}

// Column sums over the batch: one thread per column, consecutive threads read consecutive columns.
__global__ void kColSum(const float* X, float* out, int B, int D) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= D) return;
  float s = 0.f;
  for (int n = 0; n < B; n++) s += X[(long)n * D + j];
  out[j] = s;
}

void linearForward(Gemm* g, const float* A, const float* W, const float* b, float* Z, int B, int Din, int Dout, cudaStream_t s) {
  gemmRowMajor(g, false, false, B, Dout, Din, A, Din, W, Dout, 0.f, Z, Dout);
  biasActivationForward(IDENTITY, Z, b, nullptr, B, Dout, 0.f, s);
}
void linearBackward(Gemm* g, const float* A, const float* W, const float* dZ, float* dA, float* dW, float* db, int B, int Din,
                    int Dout, cudaStream_t s) {
  gemmRowMajor(g, true, false, Din, Dout, B, A, Din, dZ, Dout, 0.f, dW, Dout);  // dW = Aᵀ dZ
  kColSum<<<blocks(Dout, 128), 128, 0, s>>>(dZ, db, B, Dout);
  launched("linearBackward colsum");
  if (dA) gemmRowMajor(g, false, true, B, Din, Dout, dZ, Dout, W, Dout, 0.f, dA, Din);  // dA = dZ Wᵀ
}

// ---------------- PReLU, maxout ----------------
__global__ void kPreluF(const float* Z, const float* alpha, float* A, long len, int D) {
  const long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
  if (i >= len) return;
  const float z = Z[i];
  A[i] = z > 0.f ? z : alpha[i % D] * z;
}
// One thread per unit j walks the batch: dZ elementwise, dα_j = Σ_n [z < 0] z·dA (no atomics).
__global__ void kPreluB(const float* Z, const float* alpha, const float* dA, float* dZ, float* dAlpha, int B, int D) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= D) return;
  const float a = alpha[j];
  float s = 0.f;
  for (int n = 0; n < B; n++) {
    const long i = (long)n * D + j;
    const float z = Z[i], g = dA[i];
    if (z > 0.f) {
      dZ[i] = g;
    } else {
      s += z * g;
      dZ[i] = a * g;
    }
  }
  dAlpha[j] = s;
}
void preluForward(const float* Z, const float* alpha, float* A, int B, int D, cudaStream_t s) {
  const long len = (long)B * D;
  kPreluF<<<blocks(len, 256), 256, 0, s>>>(Z, alpha, A, len, D);
  launched("preluForward");
}
void preluBackward(const float* Z, const float* alpha, const float* dA, float* dZ, float* dAlpha, int B, int D, cudaStream_t s) {
  kPreluB<<<blocks(D, 128), 128, 0, s>>>(Z, alpha, dA, dZ, dAlpha, B, D);
  launched("preluBackward");
}

__global__ void kMaxoutF(const float* Z, float* A, int32_t* win, long len, int k) {
  const long i = blockIdx.x * (long)blockDim.x + threadIdx.x;  // i = n·D + j
  if (i >= len) return;
  const float* z = Z + i * k;
  float best = z[0];
  int arg = 0;
  for (int s = 1; s < k; s++)
    if (z[s] > best) {  // strict >: ties go to the lowest piece, as in maxout.ts
      best = z[s];
      arg = s;
    }
  A[i] = best;
  win[i] = arg;
}
__global__ void kMaxoutB(const int32_t* win, const float* dA, float* dZ, long len, int k) {
  const long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
  if (i >= len) return;
  const int w = win[i];
  for (int s = 0; s < k; s++) dZ[i * k + s] = s == w ? dA[i] : 0.f;
}
void maxoutForward(const float* Z, float* A, int32_t* winners, int B, int D, int k, cudaStream_t s) {
  const long len = (long)B * D;
  kMaxoutF<<<blocks(len, 256), 256, 0, s>>>(Z, A, winners, len, k);
  launched("maxoutForward");
}
void maxoutBackward(const int32_t* winners, const float* dA, float* dZ, int B, int D, int k, cudaStream_t s) {
  const long len = (long)B * D;
  kMaxoutB<<<blocks(len, 256), 256, 0, s>>>(winners, dA, dZ, len, k);
  launched("maxoutBackward");
}

// ---------------- output units + cost + δ(L) ----------------
__device__ __forceinline__ double softplusd(double x) { return (x > 0 ? x : 0) + log1p(exp(-fabs(x))); }

// One thread per row. Logit width: outputDim, or K−1 for softmax_km1.
__global__ void kOutF(int unit, const float* Z, float* out, int B, int K) {
  const int n = blockIdx.x * blockDim.x + threadIdx.x;
  if (n >= B) return;
  if (unit == OUT_SIGMOID) {
    out[n] = sigmoidf_(Z[n]);
  } else if (unit == OUT_LINEAR) {
    for (int j = 0; j < K; j++) out[(long)n * K + j] = Z[(long)n * K + j];
  } else {
    const int J = unit == OUT_SOFTMAX ? K : K - 1;
    const float* z = Z + (long)n * J;
    float* p = out + (long)n * K;
    float m = unit == OUT_SOFTMAX ? -INFINITY : 0.f;  // km1: the fixed z_K = 0 takes part
    for (int j = 0; j < J; j++) m = fmaxf(m, z[j]);
    float sum = 0.f;
    for (int j = 0; j < J; j++) sum += (p[j] = expf(z[j] - m));
    if (unit == OUT_SOFTMAX_KM1) sum += (p[J] = expf(-m));
    const float inv = 1.f / sum;
    for (int j = 0; j < K; j++) p[j] *= inv;
  }
}

__global__ void kOutLossDelta(int unit, const float* Z, const float* y, float* dZ, double* lossSum, int B, int K) {
  const int n = blockIdx.x * blockDim.x + threadIdx.x;
  double loss = 0;
  if (n < B) {
    const float invB = 1.f / B;
    if (unit == OUT_SIGMOID) {
      const float z = Z[n], t = y[n];
      loss = softplusd((1.0 - 2.0 * t) * z);
      dZ[n] = (sigmoidf_(z) - t) * invB;
    } else if (unit == OUT_LINEAR) {
      for (int j = 0; j < K; j++) {
        const long i = (long)n * K + j;
        const float r = Z[i] - y[i];
        loss += (double)r * r;
        dZ[i] = r * (2.f * invB);
      }
    } else {
      const int J = unit == OUT_SOFTMAX ? K : K - 1;
      const float* z = Z + (long)n * J;
      float* d = dZ + (long)n * J;
      const int label = (int)y[n];
      float m = unit == OUT_SOFTMAX ? -INFINITY : 0.f;
      for (int j = 0; j < J; j++) m = fmaxf(m, z[j]);
      float sum = unit == OUT_SOFTMAX ? 0.f : expf(-m);
      for (int j = 0; j < J; j++) sum += (d[j] = expf(z[j] - m));
      const float scale = invB / sum;
      for (int j = 0; j < J; j++) d[j] *= scale;
      if (label < J) d[label] -= invB;
      loss = (double)m + log((double)sum) - (label < J ? (double)z[label] : 0.0);
    }
  }
  // Block sum of the row costs, then one atomic per block.
  __shared__ double part[256];
  part[threadIdx.x] = loss;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) atomicAdd(lossSum, part[0]);
}

void outputForward(int unit, const float* Z, float* out, int B, int outputDim, cudaStream_t s) {
  kOutF<<<blocks(B, 128), 128, 0, s>>>(unit, Z, out, B, outputDim);
  launched("outputForward");
}
void outputLossAndDelta(int unit, const float* Z, const float* y, float* dZ, double* lossSum, int B, int outputDim, cudaStream_t s) {
  check(cudaMemsetAsync(lossSum, 0, sizeof(double), s), "memset loss");
  kOutLossDelta<<<blocks(B, 256), 256, 0, s>>>(unit, Z, y, dZ, lossSum, B, outputDim);
  launched("outputLossAndDelta");
}

// ---------------- SGD ----------------
__global__ void kSgd(float* w, const float* g, float* v, long n, float lr, float mu, float lambda, float scale, double* sq) {
  const long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
  double s = 0;
  if (i < n) {
    const float gi = g[i];
    s = (double)gi * gi;
    const float gh = gi * scale + lambda * w[i];
    if (v) {
      const float vi = mu * v[i] - lr * gh;
      v[i] = vi;
      w[i] += vi;
    } else {
      w[i] -= lr * gh;
    }
  }
  if (!sq) return;  // uniform over the block: no thread is left waiting at a barrier
  __shared__ double part[256];
  part[threadIdx.x] = s;
  __syncthreads();
  for (int k = blockDim.x / 2; k > 0; k >>= 1) {
    if (threadIdx.x < k) part[threadIdx.x] += part[threadIdx.x + k];
    __syncthreads();
  }
  if (threadIdx.x == 0) atomicAdd(sq, part[0]);
}
void sgdUpdate(float* w, const float* g, float* v, int n, float lr, float mu, float lambda, float scale, double* sq, cudaStream_t s) {
  kSgd<<<blocks(n, 256), 256, 0, s>>>(w, g, v, n, lr, mu, lambda, scale, sq);
  launched("sgdUpdate");
}

__global__ void kSumSq(const float* x, long n, double* sq) {
  const long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
  __shared__ double part[256];
  part[threadIdx.x] = i < n ? (double)x[i] * x[i] : 0.0;
  __syncthreads();
  for (int k = blockDim.x / 2; k > 0; k >>= 1) {
    if (threadIdx.x < k) part[threadIdx.x] += part[threadIdx.x + k];
    __syncthreads();
  }
  if (threadIdx.x == 0) atomicAdd(sq, part[0]);
}
void sumSquares(const float* x, int n, double* sq, cudaStream_t s) {
  kSumSq<<<blocks(n, 256), 256, 0, s>>>(x, n, sq);
  launched("sumSquares");
}

// ---------------- CudaNet ----------------
template <typename T>
static T* devAlloc(size_t n) {
  T* p = nullptr;
  check(cudaMalloc(&p, (n ? n : 1) * sizeof(T)), "cudaMalloc");
  check(cudaMemset(p, 0, (n ? n : 1) * sizeof(T)), "cudaMemset");
  return p;
}

CudaNet::CudaNet(int inputDim, const std::vector<LayerSpec>& hidden, int outputUnit, int outputDim, int capacity, float leakyAlpha,
                 float momentum, float weightDecay, float clipNorm)
    : inputDim_(inputDim), outputUnit_(outputUnit), outputDim_(outputDim), capacity_(0), leakyAlpha_(leakyAlpha),
      momentum_(momentum), weightDecay_(weightDecay), clipNorm_(clipNorm) {
  check(cudaStreamCreate(&stream_), "cudaStreamCreate");
  gemm_ = gemmCreate(stream_);
  try {
    int din = inputDim;
    auto add = [&](size_t n, bool decay) {
      params_.push_back(devAlloc<float>(n));
      grads_.push_back(devAlloc<float>(n));
      velocity_.push_back(momentum > 0 ? devAlloc<float>(n) : nullptr);
      sizes_.push_back(n);
      decay_.push_back(decay);
      return (int)params_.size() - 1;
    };
    std::vector<LayerSpec> all = hidden;
    const int logits = outputUnit == OUT_SOFTMAX_KM1 ? outputDim - 1 : outputDim;
    all.push_back({logits, IDENTITY, 1});
    for (size_t l = 0; l < all.size(); l++) {
      const LayerSpec& s = all[l];
      const bool isHidden = l + 1 < all.size();
      const int pieces = isHidden && s.act == MAXOUT ? s.pieces : 1;
      Layer L{din, s.units * pieces, s.units, isHidden ? s.act : IDENTITY, pieces, -1, -1, -1};
      L.w = add((size_t)din * L.width, true);
      L.b = add(L.width, false);
      if (isHidden && s.act == PRELU) L.alpha = add(s.units, false);
      layers_.push_back(L);
      din = s.units;
    }
    scalars_ = devAlloc<double>(1 + params_.size());
    int widest = 1;
    for (const Layer& L : layers_) widest = L.width > widest ? L.width : widest;
    flags_ = devAlloc<uint8_t>(widest);
    hostScalars_.assign(1 + params_.size(), 0.0);
    sq_.assign(params_.size(), 0.0);
    allocRows(capacity < 1 ? 1 : capacity);
  } catch (...) {
    release();  // a failed allocation must not leak what was allocated before it
    throw;
  }
}

// Buffers whose size is a number of rows: activations and their gradients, the batch, the output.
void CudaNet::allocRows(int capacity) {
  const size_t cap = (size_t)capacity;
  for (size_t l = 0; l < layers_.size(); l++) {
    const Layer& L = layers_[l];
    const bool isHidden = l + 1 < layers_.size();
    Z_.push_back(devAlloc<float>(cap * L.width));
    dZ_.push_back(devAlloc<float>(cap * L.width));
    A_.push_back(isHidden ? devAlloc<float>(cap * L.units) : nullptr);
    dA_.push_back(isHidden ? devAlloc<float>(cap * L.units) : nullptr);
    winners_.push_back(isHidden && L.act == MAXOUT ? devAlloc<int32_t>(cap * L.units) : nullptr);
  }
  dX_ = devAlloc<float>(cap * inputDim_);
  dy_ = devAlloc<float>(cap * targetWidth());
  dOut_ = devAlloc<float>(cap * outputDim_);
  capacity_ = capacity;
}

void CudaNet::freeRows() {
  for (auto* v : {&Z_, &dZ_, &A_, &dA_}) {
    for (auto* p : *v)
      if (p) cudaFree(p);
    v->clear();
  }
  for (auto* p : winners_)
    if (p) cudaFree(p);
  winners_.clear();
  for (float** p : {&dX_, &dy_, &dOut_}) {
    if (*p) cudaFree(*p);
    *p = nullptr;
  }
  capacity_ = 0;
}

void CudaNet::reserve(int B) {
  if (B <= capacity_) return;
  check(cudaStreamSynchronize(stream_), "reserve");  // queued work may still read the old buffers
  freeRows();
  allocRows(B);
}

void CudaNet::release() {
  freeRows();
  for (auto* v : {&params_, &grads_, &velocity_}) {
    for (auto* p : *v)
      if (p) cudaFree(p);
    v->clear();
  }
  if (scalars_) cudaFree(scalars_);
  scalars_ = nullptr;
  if (flags_) cudaFree(flags_);
  flags_ = nullptr;
  if (gemm_) gemmDestroy(gemm_);
  gemm_ = nullptr;
  if (stream_) cudaStreamDestroy(stream_);
  stream_ = nullptr;
}

CudaNet::~CudaNet() {
  if (stream_) cudaStreamSynchronize(stream_);  // no kernel may still use the memory freed next
  release();
}

void CudaNet::setParam(size_t p, const float* host) {
  check(cudaStreamSynchronize(stream_), "setParam");  // a queued update must not overwrite it afterwards
  check(cudaMemcpy(params_.at(p), host, sizes_[p] * sizeof(float), cudaMemcpyHostToDevice), "setParam");
}
void CudaNet::getParam(size_t p, float* host) const {
  // The stream's queued update must land first (cudaMemcpy on the legacy default stream would
  // wait for it too, but not with per-thread default streams).
  check(cudaStreamSynchronize(stream_), "getParam");
  check(cudaMemcpy(host, params_.at(p), sizes_[p] * sizeof(float), cudaMemcpyDeviceToHost), "getParam");
}

// One thread per column: consecutive threads read consecutive addresses of each row.
__global__ void kAnyPositive(const float* Z, uint8_t* out, int B, int D) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= D) return;
  uint8_t any = 0;
  for (int n = 0; n < B && !any; n++) any = Z[(long)n * D + j] > 0.f;
  out[j] = any;
}

void CudaNet::positiveColumns(size_t l, int B, uint8_t* host) const {
  if (B < 1 || B > capacity_) throw std::runtime_error("positiveColumns: B must be in [1, capacity]");
  const int D = layers_.at(l).width;
  kAnyPositive<<<blocks(D, 128), 128, 0, stream_>>>(Z_[l], flags_, B, D);
  launched("positiveColumns");
  check(cudaMemcpyAsync(host, flags_, (size_t)D, cudaMemcpyDeviceToHost, stream_), "download flags");
  check(cudaStreamSynchronize(stream_), "positiveColumns");
}

void CudaNet::preactivations(size_t l, int B, float* host) const {
  if (B < 1 || B > capacity_) throw std::runtime_error("preactivations: B must be in [1, capacity]");
  check(cudaMemcpyAsync(host, Z_.at(l), (size_t)B * layers_[l].width * sizeof(float), cudaMemcpyDeviceToHost, stream_),
        "download Z");
  check(cudaStreamSynchronize(stream_), "preactivations");
}

double CudaNet::step(const float* X, const float* y, int B, float lr) {
  if (B < 1) throw std::runtime_error("step: B must be at least 1");
  reserve(B);
  check(cudaMemcpyAsync(dX_, X, (size_t)B * inputDim_ * sizeof(float), cudaMemcpyHostToDevice, stream_), "upload X");
  check(cudaMemcpyAsync(dy_, y, (size_t)B * targetWidth() * sizeof(float), cudaMemcpyHostToDevice, stream_), "upload y");
  return stepDevice(dX_, dy_, B, lr);
}

// Forward: GEMM, then the bias fused with the elementwise unit (PReLU/maxout: bias, then their kernel).
void CudaNet::forwardPass(const float* X, int B) {
  const int L = (int)layers_.size();
  const float* in = X;
  for (int l = 0; l < L; l++) {
    const Layer& ly = layers_[l];
    gemmRowMajor(gemm_, false, false, B, ly.width, ly.din, in, ly.din, params_[ly.w], ly.width, 0.f, Z_[l], ly.width);
    const bool isHidden = l + 1 < L;
    const bool elementwise = isHidden && ly.act != PRELU && ly.act != MAXOUT;
    biasActivationForward(elementwise ? ly.act : IDENTITY, Z_[l], params_[ly.b], elementwise ? A_[l] : nullptr, B, ly.width,
                          leakyAlpha_, stream_);
    if (isHidden && ly.act == PRELU) preluForward(Z_[l], params_[ly.alpha], A_[l], B, ly.units, stream_);
    if (isHidden && ly.act == MAXOUT) maxoutForward(Z_[l], A_[l], winners_[l], B, ly.units, ly.pieces, stream_);
    in = A_[l];
  }
}

void CudaNet::forward(const float* X, int B, float* out) {
  if (B < 1) throw std::runtime_error("forward: B must be at least 1");
  reserve(B);
  check(cudaMemcpyAsync(dX_, X, (size_t)B * inputDim_ * sizeof(float), cudaMemcpyHostToDevice, stream_), "upload X");
  forwardPass(dX_, B);
  outputForward(outputUnit_, Z_.back(), dOut_, B, outputDim_, stream_);
  check(cudaMemcpyAsync(out, dOut_, (size_t)B * outputDim_ * sizeof(float), cudaMemcpyDeviceToHost, stream_), "download out");
  check(cudaStreamSynchronize(stream_), "forward");
}

double CudaNet::loss(const float* y, int B) {
  if (B < 1 || B > capacity_) throw std::runtime_error("loss: B must be in [1, capacity]");
  check(cudaMemcpyAsync(dy_, y, (size_t)B * targetWidth() * sizeof(float), cudaMemcpyHostToDevice, stream_), "upload y");
  // δ(L) lands in the last dZ, which only a step reads (after writing it afresh).
  outputLossAndDelta(outputUnit_, Z_.back(), dy_, dZ_.back(), scalars_, B, outputDim_, stream_);
  double sum = 0;
  check(cudaMemcpyAsync(&sum, scalars_, sizeof(double), cudaMemcpyDeviceToHost, stream_), "download loss");
  check(cudaStreamSynchronize(stream_), "loss");
  return sum / B;
}

double CudaNet::stepDevice(const float* X, const float* y, int B, float lr) {
  if (B < 1 || B > capacity_) throw std::runtime_error("step: B must be in [1, capacity]");
  const int L = (int)layers_.size();
  forwardPass(X, B);
  outputLossAndDelta(outputUnit_, Z_[L - 1], y, dZ_[L - 1], scalars_, B, outputDim_, stream_);
  // Backward.
  for (int l = L - 1; l >= 0; l--) {
    const Layer& ly = layers_[l];
    const float* input = l == 0 ? X : A_[l - 1];
    float* dBelow = l == 0 ? nullptr : dA_[l - 1];
    linearBackward(gemm_, input, params_[ly.w], dZ_[l], dBelow, grads_[ly.w], grads_[ly.b], B, ly.din, ly.width, stream_);
    if (l == 0) break;
    const Layer& below = layers_[l - 1];
    if (below.act == PRELU) {
      preluBackward(Z_[l - 1], params_[below.alpha], dA_[l - 1], dZ_[l - 1], grads_[below.alpha], B, below.units, stream_);
    } else if (below.act == MAXOUT) {
      maxoutBackward(winners_[l - 1], dA_[l - 1], dZ_[l - 1], B, below.units, below.pieces, stream_);
    } else {
      activationBackward(below.act, Z_[l - 1], A_[l - 1], dA_[l - 1], dZ_[l - 1], B * below.units, leakyAlpha_, stream_);
    }
  }
  // Σg² of every raw gradient, then one download of [loss, Σg²…] and one sync per step: the
  // clipping scale and the non-finite check need them before the update.
  const size_t P = params_.size();
  check(cudaMemsetAsync(scalars_ + 1, 0, P * sizeof(double), stream_), "memset sq");
  for (size_t p = 0; p < P; p++) sumSquares(grads_[p], (int)sizes_[p], scalars_ + 1 + p, stream_);
  check(cudaMemcpyAsync(hostScalars_.data(), scalars_, (1 + P) * sizeof(double), cudaMemcpyDeviceToHost, stream_),
        "download loss");
  check(cudaStreamSynchronize(stream_), "step");
  const double loss = hostScalars_[0] / B;
  double total = 0;
  for (size_t p = 0; p < P; p++) total += sq_[p] = hostScalars_[1 + p];
  if (!std::isfinite(loss)) return loss;  // parameters unchanged, as TrainingSession.step promises
  const double norm = std::sqrt(total);
  const float scale = clipNorm_ > 0 && norm > clipNorm_ ? (float)(clipNorm_ / norm) : 1.f;
  // Queued, not awaited: the next call on this stream runs after them.
  for (size_t p = 0; p < P; p++)
    sgdUpdate(params_[p], grads_[p], velocity_[p], (int)sizes_[p], lr, momentum_, decay_[p] ? weightDecay_ : 0.f, scale, nullptr,
              stream_);
  return loss;
}

}  // namespace nncuda
