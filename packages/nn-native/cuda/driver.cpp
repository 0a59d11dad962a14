// Checks the CUDA kernels and CudaNet against vectors written by make-vectors.ts from the
// TypeScript reference, then times a training step on workloads A and C.
// Usage: driver vectors.bin [--no-bench | --parse-only]
// Prints one JSON line per case, one per workload, and a summary; exits 1 on any mismatch.
//
// Tolerance (float32 on the device vs float64-accumulated reference stored as float32):
//   |got − want| ≤ rtol · max(|want|, 0.01 · max|want over the tensor|, 1e-6)
// with rtol 1e-4 for single kernels and 1e-3 for several whole training steps. The floor keeps
// values near 0 (cancellations in a GEMM or a colsum) from demanding more than float32 holds.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels.cuh"

using namespace nncuda;

struct Tensor {
  int type = 0;  // 0 f32, 1 i32
  std::vector<float> f;
  std::vector<int32_t> i;
};
struct Case {
  std::string name;
  std::map<std::string, Tensor> t;
  const std::vector<float>& F(const std::string& k) const {
    auto it = t.find(k);
    if (it == t.end() || it->second.type != 0) throw std::runtime_error(name + ": missing f32 tensor " + k);
    return it->second.f;
  }
  const std::vector<int32_t>& I(const std::string& k) const {
    auto it = t.find(k);
    if (it == t.end() || it->second.type != 1) throw std::runtime_error(name + ": missing i32 tensor " + k);
    return it->second.i;
  }
};

static std::vector<Case> readVectors(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot open ") + path);
  char magic[8];
  in.read(magic, 8);
  if (std::memcmp(magic, "NNCUDAV1", 8) != 0) throw std::runtime_error("not a NNCUDAV1 vectors file");
  auto u32 = [&] {
    uint32_t v;
    in.read(reinterpret_cast<char*>(&v), 4);
    if (!in) throw std::runtime_error("truncated vectors file");
    return v;
  };
  auto str = [&] {
    std::string s(u32(), '\0');
    in.read(s.data(), s.size());
    return s;
  };
  std::vector<Case> cases(u32());
  for (auto& c : cases) {
    c.name = str();
    for (uint32_t n = u32(); n > 0; n--) {
      std::string name = str();
      Tensor t;
      t.type = (int)u32();
      const uint32_t len = u32();
      if (t.type == 0) {
        t.f.resize(len);
        in.read(reinterpret_cast<char*>(t.f.data()), len * 4);
      } else {
        t.i.resize(len);
        in.read(reinterpret_cast<char*>(t.i.data()), len * 4);
      }
      c.t[name] = std::move(t);
    }
  }
  if (!in) throw std::runtime_error("truncated vectors file");
  return cases;
}

// ---- device buffers ----
template <typename T>
struct Dev {
  T* p = nullptr;
  size_t n = 0;
  explicit Dev(size_t len) : n(len) {
    check(cudaMalloc(&p, (len ? len : 1) * sizeof(T)), "cudaMalloc");
    check(cudaMemset(p, 0, (len ? len : 1) * sizeof(T)), "cudaMemset");
  }
  explicit Dev(const std::vector<T>& h) : Dev(h.size()) { check(cudaMemcpy(p, h.data(), n * sizeof(T), cudaMemcpyHostToDevice), "upload"); }
  ~Dev() { cudaFree(p); }
  std::vector<T> host() const {
    std::vector<T> h(n);
    check(cudaMemcpy(h.data(), p, n * sizeof(T), cudaMemcpyDeviceToHost), "download");
    return h;
  }
};

// ---- comparison ----
struct Verdict {
  double worst = 0;  // max of |got − want| / allowed-scale, over all tensors of the case
  std::string where;
  bool ok = true;
};
static void compare(Verdict& v, const std::string& name, const std::vector<float>& got, const std::vector<float>& want, double rtol) {
  if (got.size() != want.size()) {
    v.ok = false;
    v.where = name + " (length)";
    return;
  }
  double maxAbs = 0;
  for (float w : want) maxAbs = std::fmax(maxAbs, std::fabs(w));
  for (size_t k = 0; k < want.size(); k++) {
    const double scale = std::fmax(std::fmax(std::fabs((double)want[k]), 0.01 * maxAbs), 1e-6);
    const double err = std::fabs((double)got[k] - want[k]) / scale;
    if (!(err <= v.worst)) {  // also catches NaN
      v.worst = std::isnan(err) ? INFINITY : err;
      v.where = name + "[" + std::to_string(k) + "]";
    }
  }
  if (!(v.worst <= rtol)) v.ok = false;
}
static void compareInts(Verdict& v, const std::string& name, const std::vector<int32_t>& got, const std::vector<int32_t>& want) {
  if (got != want) {
    v.ok = false;
    v.worst = INFINITY;
    v.where = name;
  }
}

constexpr double KERNEL_RTOL = 1e-4;
constexpr double STEP_RTOL = 1e-3;

static double runCase(const Case& c, Gemm* g, cudaStream_t s, Verdict& v) {
  const std::string& n = c.name;
  if (n == "linear") {
    const auto& d = c.I("dims");
    const int B = d[0], Din = d[1], Dout = d[2];
    Dev<float> A(c.F("A")), W(c.F("W")), b(c.F("b")), dZ(c.F("dZ")), Z(B * Dout), dA(B * Din), dW(Din * Dout), db(Dout);
    linearForward(g, A.p, W.p, b.p, Z.p, B, Din, Dout, s);
    linearBackward(g, A.p, W.p, dZ.p, dA.p, dW.p, db.p, B, Din, Dout, s);
    check(cudaStreamSynchronize(s), n.c_str());
    compare(v, "Z", Z.host(), c.F("Z"), KERNEL_RTOL);
    compare(v, "dA", dA.host(), c.F("dA"), KERNEL_RTOL);
    compare(v, "dW", dW.host(), c.F("dW"), KERNEL_RTOL);
    compare(v, "db", db.host(), c.F("db"), KERNEL_RTOL);
    return KERNEL_RTOL;
  }
  if (n.rfind("act_", 0) == 0) {
    const int act = c.I("act")[0];
    const float alpha = c.F("alpha")[0];
    const int len = (int)c.F("Z").size();
    Dev<float> Z(c.F("Z")), dAin(c.F("dA_in")), A(len), dZ(len);
    activationForward(act, Z.p, A.p, len, alpha, s);
    activationBackward(act, Z.p, A.p, dAin.p, dZ.p, len, alpha, s);
    check(cudaStreamSynchronize(s), n.c_str());
    compare(v, "A", A.host(), c.F("A"), KERNEL_RTOL);
    compare(v, "dZ", dZ.host(), c.F("dZ"), KERNEL_RTOL);
    return KERNEL_RTOL;
  }
  if (n == "prelu") {
    const int B = c.I("dims")[0], D = c.I("dims")[1];
    Dev<float> Z(c.F("Z")), alpha(c.F("alpha")), dAin(c.F("dA_in")), A(B * D), dZ(B * D), dAlpha(D);
    preluForward(Z.p, alpha.p, A.p, B, D, s);
    preluBackward(Z.p, alpha.p, dAin.p, dZ.p, dAlpha.p, B, D, s);
    check(cudaStreamSynchronize(s), n.c_str());
    compare(v, "A", A.host(), c.F("A"), KERNEL_RTOL);
    compare(v, "dZ", dZ.host(), c.F("dZ"), KERNEL_RTOL);
    compare(v, "dAlpha", dAlpha.host(), c.F("dAlpha"), KERNEL_RTOL);
    return KERNEL_RTOL;
  }
  if (n == "maxout") {
    const int B = c.I("dims")[0], D = c.I("dims")[1], k = c.I("dims")[2];
    Dev<float> Z(c.F("Z")), dAin(c.F("dA_in")), A(B * D), dZ(B * D * k);
    Dev<int32_t> win(B * D);
    maxoutForward(Z.p, A.p, win.p, B, D, k, s);
    maxoutBackward(win.p, dAin.p, dZ.p, B, D, k, s);
    check(cudaStreamSynchronize(s), n.c_str());
    compare(v, "A", A.host(), c.F("A"), KERNEL_RTOL);
    compareInts(v, "winners", win.host(), c.I("winners"));
    compare(v, "dZ", dZ.host(), c.F("dZ"), KERNEL_RTOL);
    return KERNEL_RTOL;
  }
  if (n.rfind("output_", 0) == 0) {
    const int unit = c.I("dims")[0], B = c.I("dims")[1], K = c.I("dims")[2];
    Dev<float> Z(c.F("Z")), y(c.F("y")), out(c.F("out").size()), dZ(c.F("dZ").size());
    Dev<double> loss(1);
    outputForward(unit, Z.p, out.p, B, K, s);
    outputLossAndDelta(unit, Z.p, y.p, dZ.p, loss.p, B, K, s);
    check(cudaStreamSynchronize(s), n.c_str());
    compare(v, "out", out.host(), c.F("out"), KERNEL_RTOL);
    compare(v, "dZ", dZ.host(), c.F("dZ"), KERNEL_RTOL);
    compare(v, "loss", {(float)(loss.host()[0] / B)}, c.F("loss"), KERNEL_RTOL);
    return KERNEL_RTOL;
  }
  if (n.rfind("sgd_", 0) == 0) {
    const auto& h = c.F("hyper");
    const bool withV = !c.F("v_in").empty();
    Dev<float> w(c.F("w_in")), gr(c.F("g")), vel(c.F("v_in"));
    Dev<double> sq(1);
    sgdUpdate(w.p, gr.p, withV ? vel.p : nullptr, (int)w.n, h[0], h[1], h[2], h[3], sq.p, s);
    check(cudaStreamSynchronize(s), n.c_str());
    compare(v, "w", w.host(), c.F("w"), KERNEL_RTOL);
    if (withV) compare(v, "v", vel.host(), c.F("v"), KERNEL_RTOL);
    compare(v, "sq", {(float)sq.host()[0]}, c.F("sq"), KERNEL_RTOL);
    return KERNEL_RTOL;
  }
  if (n.rfind("step_", 0) == 0) {
    const auto& d = c.I("dims");
    const int inputDim = d[0], unit = d[1], outputDim = d[2], nHidden = d[3], steps = d[4], B = d[5], nParams = d[6];
    const auto& hid = c.I("hidden");
    const auto& h = c.F("hyper");
    std::vector<LayerSpec> hidden;
    for (int l = 0; l < nHidden; l++) hidden.push_back({hid[3 * l], hid[3 * l + 1], hid[3 * l + 2]});
    // Capacity 1: the first step grows the row buffers (CudaNet::reserve), as in a session.
    CudaNet net(inputDim, hidden, unit, outputDim, 1, h[3], h[1], h[2], h.size() > 4 ? h[4] : 0.f);
    if ((int)net.paramCount() != nParams) throw std::runtime_error(n + ": parameter tensor count differs from the reference");
    for (int p = 0; p < nParams; p++) net.setParam(p, c.F("param" + std::to_string(p)).data());
    std::vector<float> losses;
    for (int st = 0; st < steps; st++)
      losses.push_back((float)net.step(c.F("X" + std::to_string(st)).data(), c.F("y" + std::to_string(st)).data(), B, h[0]));
    compare(v, "loss", losses, c.F("loss"), STEP_RTOL);
    for (int p = 0; p < nParams; p++) {
      std::vector<float> got(net.paramSize(p));
      net.getParam(p, got.data());
      compare(v, "param" + std::to_string(p), got, c.F("want" + std::to_string(p)), STEP_RTOL);
    }
    compare(v, "sq", std::vector<float>(net.sqNorms().begin(), net.sqNorms().end()), c.F("sq"), STEP_RTOL);
    // Inference after training: output values, their cost, the first layer's preactivations.
    std::vector<float> out((size_t)B * outputDim), z0((size_t)B * net.layerWidth(0));
    net.forward(c.F("Xe").data(), B, out.data());
    compare(v, "out", out, c.F("out"), STEP_RTOL);
    compare(v, "evalLoss", {(float)net.loss(c.F("ye").data(), B)}, c.F("evalLoss"), STEP_RTOL);
    net.preactivations(0, B, z0.data());
    compare(v, "Z0", z0, c.F("Z0"), STEP_RTOL);
    // The dead-unit flags against the Z just downloaded (the same values, so exact).
    const int D0 = net.layerWidth(0);
    std::vector<uint8_t> flags(D0);
    net.positiveColumns(0, B, flags.data());
    std::vector<int32_t> gotFlags(flags.begin(), flags.end()), wantFlags(D0, 0);
    for (int r = 0; r < B; r++)
      for (int j = 0; j < D0; j++)
        if (z0[(size_t)r * D0 + j] > 0.f) wantFlags[j] = 1;
    compareInts(v, "positiveColumns", gotFlags, wantFlags);
    return STEP_RTOL;
  }
  throw std::runtime_error("unknown case " + n);
}

// Samples/s of CudaNet::stepDevice (forward + backward + update, batch already on the device),
// relu hidden layers, softmax output, momentum 0.9 — the workloads of scripts/speed.ts.
static void bench(const char* name, int inputDim, std::vector<int> widths, int K, int B) {
  std::vector<LayerSpec> hidden;
  for (int w : widths) hidden.push_back({w, RELU, 1});
  CudaNet net(inputDim, hidden, OUT_SOFTMAX, K, B, 0.01f, 0.9f, 0.f);
  std::mt19937 gen(1);
  std::normal_distribution<float> normal(0.f, 1.f);
  for (size_t p = 0; p < net.paramCount(); p++) {
    std::vector<float> host(net.paramSize(p));
    const bool isW = p % 2 == 0;  // W, b per layer (no PReLU here)
    const size_t layer = p / 2;
    const int din = layer == 0 ? inputDim : widths[layer - 1];
    for (auto& x : host) x = isW ? normal(gen) * std::sqrt(2.f / din) : 0.f;
    net.setParam(p, host.data());
  }
  std::vector<float> X((size_t)B * inputDim), y(B);
  for (auto& x : X) x = normal(gen);
  for (int n = 0; n < B; n++) y[n] = (float)(n % K);
  Dev<float> dX(X), dy(y);
  for (int i = 0; i < 10; i++) net.stepDevice(dX.p, dy.p, B, 0.01f);
  int steps = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double secs = 0;
  while (secs < 1.0) {
    for (int i = 0; i < 20; i++) net.stepDevice(dX.p, dy.p, B, 0.01f);
    steps += 20;
    secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  std::printf("{\"bench\":\"%s\",\"batch\":%d,\"steps\":%d,\"seconds\":%.3f,\"samples_per_s\":%.0f,\"ms_per_step\":%.4f,\"gemm\":\"%s\"}\n",
              name, B, steps, secs, steps * (double)B / secs, 1000 * secs / steps, gemmName());
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s vectors.bin [--no-bench | --parse-only]\n", argv[0]);
    return 2;
  }
  const std::string flag = argc > 2 ? argv[2] : "";
  try {
    const auto cases = readVectors(argv[1]);
    if (flag == "--parse-only") {  // no GPU needed: checks that make-vectors.ts and this reader agree
      size_t tensors = 0;
      for (const auto& c : cases) tensors += c.t.size();
      std::printf("{\"parsed\":true,\"cases\":%zu,\"tensors\":%zu}\n", cases.size(), tensors);
      return 0;
    }
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    std::printf("{\"device\":\"%s\",\"sm\":\"%d.%d\",\"gemm\":\"%s\"}\n", prop.name, prop.major, prop.minor, gemmName());
    cudaStream_t s;
    check(cudaStreamCreate(&s), "cudaStreamCreate");
    Gemm* g = gemmCreate(s);
    int failed = 0;
    for (const auto& c : cases) {
      Verdict v;
      double tol = 0;
      std::string error;
      try {
        tol = runCase(c, g, s, v);
      } catch (const std::exception& e) {
        v.ok = false;
        error = e.what();
      }
      if (!v.ok) failed++;
      std::printf("{\"case\":\"%s\",\"ok\":%s,\"max_rel_err\":%.3g,\"tol\":%g,\"worst_at\":\"%s\",\"error\":\"%s\"}\n", c.name.c_str(),
                  v.ok ? "true" : "false", v.worst, tol, v.where.c_str(), error.c_str());
    }
    gemmDestroy(g);
    cudaStreamDestroy(s);
    if (flag != "--no-bench") {
      bench("A", 784, {256, 256}, 10, 128);
      bench("C", 1024, {1024, 1024, 1024}, 10, 256);
    }
    std::printf("{\"summary\":true,\"cases\":%zu,\"failed\":%d}\n", cases.size(), failed);
    return failed ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "driver: %s\n", e.what());
    return 1;
  }
}
