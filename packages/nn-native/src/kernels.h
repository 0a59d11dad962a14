// The engine's kernels in C++, float32, row-major, batch-major: the same layouts and the same
// math as packages/nn/src/kernels/*.ts (the reference they are tested against). Matrix products
// go to OpenBLAS; the elementwise work is fused here so each activation is read and written
// once per pass.
//
// Instruction sets: built with -O3 for the baseline x86-64 ISA; the few hot elementwise loops
// carry target_clones("avx2", "default"), so one binary runs on any x86-64 and picks the AVX2
// body at load time where the CPU has it (-march=native would make a binary that can crash on
// another CPU). OpenBLAS does its own runtime dispatch for sgemm.
#pragma once

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NN_MULTIVERSION __attribute__((target_clones("avx2", "default")))
#else
#define NN_MULTIVERSION
#endif

namespace nn {

// Codes shared with src/index.ts (ACT_CODES, OUTPUT_CODES).
enum Act : int32_t { RELU = 0, LEAKY_RELU = 1, ABS = 2, PRELU = 3, MAXOUT = 4, SIGMOID = 5, TANH = 6 };
enum Output : int32_t { OUT_SIGMOID = 0, OUT_SOFTMAX = 1, OUT_SOFTMAX_KM1 = 2, OUT_LINEAR = 3 };

// ---- linear ----

// Below this many multiply-adds a plain loop beats cblas_sgemm, whose fixed cost per call
// (argument checks, buffer allocation, packing) is a few hundred ns: small networks take
// several products per step.
constexpr long SMALL_GEMM_MACS = 16384;

inline bool small(int M, int N, int K) { return (long)M * N * K <= SMALL_GEMM_MACS; }

/** Z (B×Dout) = A (B×Din) · W (Din×Dout); the bias is added by the caller's fused pass. */
NN_MULTIVERSION inline void gemm_forward(const float* A, const float* W, float* Z, int B, int Din, int Dout) {
  if (!small(B, Dout, Din)) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, Dout, Din, 1.0f, A, Din, W, Dout, 0.0f, Z, Dout);
    return;
  }
  for (int n = 0; n < B; n++) {
    float* z = Z + (size_t)n * Dout;
    std::fill(z, z + Dout, 0.0f);
    for (int k = 0; k < Din; k++) {
      const float a = A[(size_t)n * Din + k];
      const float* w = W + (size_t)k * Dout;
      for (int j = 0; j < Dout; j++) z[j] += a * w[j];
    }
  }
}

/** dW (Din×Dout) = Aᵀ dZ. */
NN_MULTIVERSION inline void gemm_weight_grad(const float* A, const float* dZ, float* dW, int B, int Din, int Dout) {
  if (!small(Din, Dout, B)) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Din, Dout, B, 1.0f, A, Din, dZ, Dout, 0.0f, dW, Dout);
    return;
  }
  std::fill(dW, dW + (size_t)Din * Dout, 0.0f);
  for (int n = 0; n < B; n++) {
    const float* d = dZ + (size_t)n * Dout;
    for (int k = 0; k < Din; k++) {
      const float a = A[(size_t)n * Din + k];
      float* g = dW + (size_t)k * Dout;
      for (int j = 0; j < Dout; j++) g[j] += a * d[j];
    }
  }
}

/** dA (B×Din) = dZ Wᵀ. */
NN_MULTIVERSION inline void gemm_input_grad(const float* dZ, const float* W, float* dA, int B, int Din, int Dout) {
  if (!small(B, Din, Dout)) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, Din, Dout, 1.0f, dZ, Dout, W, Dout, 0.0f, dA, Din);
    return;
  }
  for (int n = 0; n < B; n++) {
    const float* d = dZ + (size_t)n * Dout;
    for (int k = 0; k < Din; k++) {
      const float* w = W + (size_t)k * Dout;
      float s = 0;
      for (int j = 0; j < Dout; j++) s += d[j] * w[j];
      dA[(size_t)n * Din + k] = s;
    }
  }
}

/** db = column sums of dZ (B×Dout). */
NN_MULTIVERSION inline void column_sums(const float* dZ, float* db, int B, int Dout) {
  std::fill(db, db + Dout, 0.0f);
  for (int n = 0; n < B; n++) {
    const float* row = dZ + (size_t)n * Dout;
    for (int j = 0; j < Dout; j++) db[j] += row[j];
  }
}

// ---- hidden units ----

inline float sigmoidf(float z) {
  if (z >= 0) return 1.0f / (1.0f + std::exp(-z));
  const float e = std::exp(z);
  return e / (1.0f + e);
}

/**
 * tanh in a form the compiler vectorizes: std::tanh is a libm call per element (~8 ns), which made
 * a tanh network's step ~1.8× a ReLU one's at Fashion-MNIST sizes; this is ~0.4 ns in an AVX2
 * loop. Eigen's rational approximation (generic_fast_tanh_float): an odd degree-13 numerator over
 * an even degree-6 denominator on [-7.905, 7.905] (±1 beyond, in float32), and x itself where
 * |x| < 4e-4. Within 3e-7 relative of the exact tanh everywhere (test/tanh.test.ts checks a dense
 * grid against Math.tanh); NaN stays NaN, so divergence is still seen. Branch-free: with
 * -fno-trapping-math the selects below become vector blends. No FMA contraction (the avx2 clone
 * does not enable FMA), so every CPU computes the same bits.
 */
inline float tanh_fast(float a) {
  const float clamp = 7.90531110763549805f;
  const float x = a > clamp ? clamp : (a < -clamp ? -clamp : a);
  const float x2 = x * x;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 + -8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  p = p * x;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  const float r = p / q;
  return std::fabs(a) < 0.0004f ? a : r;
}

/**
 * The fused forward pass after the sgemm: Z ← Z + b (rows of `width`), then the hidden unit:
 * (skipped when b is null), A = act(Z) for elementwise units, PReLU with slopes `alpha`, or maxout over `pieces`
 * adjacent columns (winners = the arg max, lowest piece on ties).
 */
NN_MULTIVERSION inline void bias_activation_forward(int act, float* Z, const float* b, float* A, int32_t* winners,
                                                    const float* alpha, int B, int units, int pieces, float leaky) {
  const int width = units * pieces;
  for (int n = 0; n < B; n++) {
    float* z = Z + (size_t)n * width;
    float* a = A + (size_t)n * units;
    if (b != nullptr)
      for (int j = 0; j < width; j++) z[j] += b[j];
    switch (act) {
      case RELU:
        for (int j = 0; j < units; j++) a[j] = z[j] > 0 ? z[j] : 0.0f;
        break;
      case LEAKY_RELU:
        for (int j = 0; j < units; j++) a[j] = z[j] > 0 ? z[j] : leaky * z[j];
        break;
      case ABS:
        for (int j = 0; j < units; j++) a[j] = std::fabs(z[j]);
        break;
      case PRELU:
        for (int j = 0; j < units; j++) a[j] = z[j] > 0 ? z[j] : alpha[j] * z[j];
        break;
      case SIGMOID:
        for (int j = 0; j < units; j++) a[j] = sigmoidf(z[j]);
        break;
      case TANH:
#pragma omp simd
        for (int j = 0; j < units; j++) a[j] = tanh_fast(z[j]);
        break;
      case MAXOUT: {
        int32_t* w = winners + (size_t)n * units;
        for (int j = 0; j < units; j++) {
          const float* p = z + (size_t)j * pieces;
          float best = p[0];
          int32_t arg = 0;
          for (int s = 1; s < pieces; s++)
            if (p[s] > best) {  // strict: ties keep the lowest piece
              best = p[s];
              arg = s;
            }
          a[j] = best;
          w[j] = arg;
        }
        break;
      }
    }
  }
}

/** Adds the bias only (the output layer's logits). */
NN_MULTIVERSION inline void add_bias(float* Z, const float* b, int B, int width) {
  for (int n = 0; n < B; n++) {
    float* z = Z + (size_t)n * width;
    for (int j = 0; j < width; j++) z[j] += b[j];
  }
}

/** Elementwise units over len entries: dZ = act'(Z) ⊙ dA (may be in place). */
NN_MULTIVERSION inline void elementwise_backward(int act, const float* Z, const float* A, const float* dA, float* dZ,
                                                 size_t len, float leaky) {
  switch (act) {
    case RELU:
      for (size_t i = 0; i < len; i++) dZ[i] = Z[i] > 0 ? dA[i] : 0.0f;
      return;
    case LEAKY_RELU:
      for (size_t i = 0; i < len; i++) dZ[i] = Z[i] > 0 ? dA[i] : leaky * dA[i];
      return;
    case ABS:
      for (size_t i = 0; i < len; i++) dZ[i] = Z[i] > 0 ? dA[i] : Z[i] < 0 ? -dA[i] : 0.0f;
      return;
    case SIGMOID:
      for (size_t i = 0; i < len; i++) dZ[i] = dA[i] * A[i] * (1.0f - A[i]);
      return;
    case TANH:
      for (size_t i = 0; i < len; i++) dZ[i] = dA[i] * (1.0f - A[i] * A[i]);
      return;
  }
}

/** dZ = (1 or α_j)·dA; dα_j = Σ_n [z ≤ 0] z·dA (dα overwritten). */
inline void prelu_backward(const float* Z, const float* alpha, const float* dA, float* dZ, float* dAlpha, int B, int D) {
  std::fill(dAlpha, dAlpha + D, 0.0f);
  for (int n = 0; n < B; n++) {
    const size_t row = (size_t)n * D;
    for (int j = 0; j < D; j++) {
      const float z = Z[row + j];
      const float g = dA[row + j];
      if (z > 0) {
        dZ[row + j] = g;
      } else {
        dAlpha[j] += z * g;
        dZ[row + j] = alpha[j] * g;
      }
    }
  }
}

/** dZ (B×D·k) = dA routed to each unit's winning piece, 0 elsewhere. */
inline void maxout_backward(const int32_t* winners, const float* dA, float* dZ, int B, int D, int k) {
  const size_t width = (size_t)D * k;
  std::fill(dZ, dZ + (size_t)B * width, 0.0f);
  for (int n = 0; n < B; n++)
    for (int j = 0; j < D; j++) dZ[n * width + (size_t)j * k + winners[(size_t)n * D + j]] = dA[(size_t)n * D + j];
}

// ---- output units: values, mean cost, δ(L) ----

inline double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

/** out (B×outputDim) from the logits Z (B×logit width). */
inline void output_forward(int unit, const float* Z, float* out, int B, int K) {
  switch (unit) {
    case OUT_SIGMOID:
      for (int n = 0; n < B; n++) out[n] = sigmoidf(Z[n]);
      return;
    case OUT_LINEAR:
      std::memcpy(out, Z, sizeof(float) * (size_t)B * K);
      return;
    case OUT_SOFTMAX:
    case OUT_SOFTMAX_KM1: {
      const int J = unit == OUT_SOFTMAX ? K : K - 1;
      for (int n = 0; n < B; n++) {
        const float* z = Z + (size_t)n * J;
        float* p = out + (size_t)n * K;
        double max = unit == OUT_SOFTMAX ? -INFINITY : 0.0;  // softmax_km1: z_K = 0 takes part
        for (int j = 0; j < J; j++) max = std::max<double>(max, z[j]);
        double sum = unit == OUT_SOFTMAX ? 0.0 : std::exp(-max);
        for (int j = 0; j < J; j++) sum += std::exp((double)z[j] - max);
        const double inv = 1.0 / sum;
        for (int j = 0; j < J; j++) p[j] = (float)(std::exp((double)z[j] - max) * inv);
        if (unit == OUT_SOFTMAX_KM1) p[J] = (float)(std::exp(-max) * inv);
      }
      return;
    }
  }
}

/**
 * Mean cost over the batch; when dZ is not null also δ(L) = ∂(mean cost)/∂Z, in the same pass
 * over the logits. Stable forms as in outputs.ts: softplus for the Bernoulli cost, log-sum-exp
 * shifted by the row max for the categorical ones (z_K = 0 for softmax_km1).
 */
inline double output_loss(int unit, const float* Z, const float* y, float* dZ, int B, int K) {
  const double invB = 1.0 / B;
  double total = 0;
  switch (unit) {
    case OUT_SIGMOID:
      for (int n = 0; n < B; n++) {
        total += softplus((1.0 - 2.0 * y[n]) * (double)Z[n]);
        if (dZ) dZ[n] = (float)(((double)sigmoidf(Z[n]) - y[n]) * invB);
      }
      break;
    case OUT_LINEAR: {
      const size_t len = (size_t)B * K;
      for (size_t i = 0; i < len; i++) {
        const double r = (double)Z[i] - y[i];
        total += r * r;
        if (dZ) dZ[i] = (float)(r * 2.0 * invB);
      }
      break;
    }
    case OUT_SOFTMAX:
    case OUT_SOFTMAX_KM1: {
      const bool km1 = unit == OUT_SOFTMAX_KM1;
      const int J = km1 ? K - 1 : K;
      for (int n = 0; n < B; n++) {
        const float* z = Z + (size_t)n * J;
        const int label = (int)y[n];
        double max = km1 ? 0.0 : -INFINITY;
        for (int j = 0; j < J; j++) max = std::max<double>(max, z[j]);
        double sum = km1 ? std::exp(-max) : 0.0;
        for (int j = 0; j < J; j++) sum += std::exp((double)z[j] - max);
        total += max + std::log(sum) - (label < J ? (double)z[label] : 0.0);
        if (dZ) {
          float* d = dZ + (size_t)n * J;
          const double scale = invB / sum;
          for (int j = 0; j < J; j++) d[j] = (float)(std::exp((double)z[j] - max) * scale);
          if (label < J) d[label] -= (float)invB;
        }
      }
      break;
    }
  }
  return total * invB;
}

// ---- SGD ----

/** Σ g² of a tensor (float64 accumulation). */
NN_MULTIVERSION inline double sum_squares(const float* g, size_t n) {
  double total = 0;
  constexpr size_t CHUNK = 4096;  // float partial sums per chunk, exact enough and vectorized
  for (size_t start = 0; start < n; start += CHUNK) {
    const size_t end = std::min(n, start + CHUNK);
    float s = 0;
#pragma omp simd reduction(+ : s)
    for (size_t i = start; i < end; i++) s += g[i] * g[i];
    total += s;
  }
  return total;
}

/**
 * One tensor's update, fused with Σg² (optimizer.ts's sgdUpdateTensor): ĝ = g·scale + λw;
 * with v: v ← μv − ηĝ, w ← w + v; without: w ← w − ηĝ. Returns Σg² of the raw g.
 */
NN_MULTIVERSION inline double sgd_update(float* w, const float* g, float* v, size_t n, double lr, double mu,
                                         double lambda, double scale) {
  const float flr = (float)lr, fmu = (float)mu, flambda = (float)lambda, fscale = (float)scale;
  double total = 0;
  constexpr size_t CHUNK = 4096;
  for (size_t start = 0; start < n; start += CHUNK) {
    const size_t end = std::min(n, start + CHUNK);
    float s = 0;
    if (v == nullptr && lambda == 0 && scale == 1) {
#pragma omp simd reduction(+ : s)
      for (size_t i = start; i < end; i++) {
        s += g[i] * g[i];
        w[i] -= flr * g[i];
      }
    } else if (v == nullptr) {
#pragma omp simd reduction(+ : s)
      for (size_t i = start; i < end; i++) {
        s += g[i] * g[i];
        w[i] -= flr * (g[i] * fscale + flambda * w[i]);
      }
    } else {
#pragma omp simd reduction(+ : s)
      for (size_t i = start; i < end; i++) {
        s += g[i] * g[i];
        const float vi = fmu * v[i] - flr * (g[i] * fscale + flambda * w[i]);
        v[i] = vi;
        w[i] += vi;
      }
    }
    total += s;
  }
  return total;
}

}  // namespace nn
