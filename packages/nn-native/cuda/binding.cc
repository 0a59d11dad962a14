// N-API binding of the CUDA kernels (kernels.cu): the kernels one by one, for the conformance
// suite (each call copies its arrays to the device, runs, copies the outputs back), and `Net`,
// a CudaNet whose parameters, momentum buffers, gradients and activations stay on the device for
// the whole training session. Per step only the batch goes up and [loss, Σg² per tensor] comes
// down; parameters cross only when asked (setParams / getParams), output values and
// preactivations only when read (forward / preactivations).
//
// Built twice from this one file: with nvcc + cudart (build/Release/nn_cuda.node, by
// scripts/build-cuda.mjs) and with g++ against cuda/emulate/cuda_runtime.h (a CPU stand-in,
// used by the tests on machines without a GPU; NNCUDA_EMULATED is then defined).
//
// Every CUDA failure becomes a JavaScript Error naming the call (never an abort): kernels.cu
// throws std::runtime_error, and `guard` turns any std::exception into Napi::Error.
#include <napi.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "kernels.cuh"
#include "../src/napi-args.h"

namespace {

using namespace nncuda;

#ifdef NNCUDA_EMULATED
constexpr bool kEmulated = true;
#else
constexpr bool kEmulated = false;
#endif

template <typename F>
auto guard(const Napi::Env& env, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("cuda: ") + e.what());
  }
}

// ---- argument helpers: every error names the argument (shared ones: ../src/napi-args.h) ----

using napi_args::f32;
using napi_args::typed;
using napi_args::i32;
using napi_args::intArg;
using napi_args::numArg;

size_t lengthOf(const Napi::Env& env, const Napi::Value& v, const std::string& name) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(env, name + ": must be a typed array");
  return v.As<Napi::TypedArray>().ElementLength();
}

// ---- device buffers for the one-by-one kernels ----

/** A device copy of n elements (of `host` when given); freed on scope exit, also on a throw. */
template <typename T>
struct Dev {
  T* p = nullptr;
  size_t n = 0;
  explicit Dev(size_t count, const T* host = nullptr) : n(count) {
    check(cudaMalloc(&p, (n ? n : 1) * sizeof(T)), "cudaMalloc");
    if (host && n) {
      const cudaError_t e = cudaMemcpy(p, host, n * sizeof(T), cudaMemcpyHostToDevice);
      if (e != cudaSuccess) cudaFree(p);  // the destructor does not run when the constructor throws
      check(e, "upload");
    }
  }
  ~Dev() { cudaFree(p); }
  Dev(const Dev&) = delete;
  Dev& operator=(const Dev&) = delete;
  void download(T* host) const {
    check(cudaDeviceSynchronize(), "kernel");
    if (n) check(cudaMemcpy(host, p, n * sizeof(T), cudaMemcpyDeviceToHost), "download");
  }
};

/** A GEMM context on the default stream for one call (cuBLAS handle creation is per call: tests only). */
struct ScopedGemm {
  Gemm* g = gemmCreate(nullptr);
  ~ScopedGemm() { gemmDestroy(g); }
};

int elementwiseAct(const Napi::Env& env, const Napi::Value& v) {
  const int act = intArg(env, v, "act");
  if (act == PRELU || act == MAXOUT || act > IDENTITY) throw Napi::RangeError::New(env, "act: not an elementwise unit");
  return act;
}
int outputArg(const Napi::Env& env, const Napi::Value& v) {
  const int unit = intArg(env, v, "unit");
  if (unit > OUT_LINEAR) throw Napi::RangeError::New(env, "unit: unknown output unit");
  return unit;
}
size_t logitWidth(int unit, int K) { return unit == OUT_SOFTMAX_KM1 ? K - 1 : K; }

// ---- Net ----

class Net : public Napi::ObjectWrap<Net> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Net",
                       {InstanceMethod("paramSizes", &Net::ParamSizes), InstanceMethod("setParams", &Net::SetParams),
                        InstanceMethod("getParams", &Net::GetParams), InstanceMethod("step", &Net::Step),
                        InstanceMethod("stepRows", &Net::StepRows), InstanceMethod("forward", &Net::Forward),
                        InstanceMethod("loss", &Net::Loss), InstanceMethod("preactivations", &Net::Preactivations),
                        InstanceMethod("positiveColumns", &Net::PositiveColumns),
                        InstanceMethod("dispose", &Net::Dispose)});
  }

  /**
   * new Net({ inputDim, hidden: Int32Array [units, act, pieces] per hidden layer, output,
   *           outputDim, leakyAlpha, momentum, weightDecay, clipNorm, capacity, sqNorms })
   * Parameters start at zero: setParams uploads the model's.
   */
  explicit Net(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Net>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "config: must be an object");
    Napi::Object cfg = info[0].As<Napi::Object>();
    const int inputDim = intArg(env, cfg.Get("inputDim"), "config.inputDim", 1);
    const size_t nHidden = lengthOf(env, cfg.Get("hidden"), "config.hidden") / 3;
    const int32_t* hid = i32(env, cfg.Get("hidden"), nHidden * 3, "config.hidden");
    std::vector<LayerSpec> hidden;
    for (size_t l = 0; l < nHidden; l++) {
      const int units = hid[3 * l], act = hid[3 * l + 1], pieces = hid[3 * l + 2];
      if (units < 1 || act < 0 || act > IDENTITY || pieces < 1) {
        throw Napi::RangeError::New(env, "config.hidden[" + std::to_string(l) + "]: needs units ≥ 1, a known unit and pieces ≥ 1");
      }
      hidden.push_back({units, act, pieces});
    }
    const int output = outputArg(env, cfg.Get("output"));
    const int outputDim = intArg(env, cfg.Get("outputDim"), "config.outputDim", 1);
    if (output == OUT_SOFTMAX_KM1 && outputDim < 2) throw Napi::RangeError::New(env, "config.outputDim: softmax_km1 needs at least 2");
    const int capacity = intArg(env, cfg.Get("capacity"), "config.capacity", 1);
    const float leaky = (float)numArg(env, cfg.Get("leakyAlpha"), "config.leakyAlpha");
    const float momentum = (float)numArg(env, cfg.Get("momentum"), "config.momentum");
    const float decay = (float)numArg(env, cfg.Get("weightDecay"), "config.weightDecay");
    const float clip = (float)numArg(env, cfg.Get("clipNorm"), "config.clipNorm");
    net_ = guard(env, [&] { return std::make_unique<CudaNet>(inputDim, hidden, output, outputDim, capacity, leaky, momentum, decay, clip); });
    sqNorms_ = typed<double, napi_float64_array>(env, cfg.Get("sqNorms"), net_->paramCount(), "config.sqNorms", "Float64Array");
    config_ = Napi::Persistent(cfg);  // keeps sqNorms' memory alive and put
  }

 private:
  CudaNet& Open(const Napi::Env& env) const {
    if (!net_) throw Napi::Error::New(env, "Net: used after dispose()");
    return *net_;
  }

  /** paramSizes() → the element count of every parameter tensor, in model.params order. */
  Napi::Value ParamSizes(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CudaNet& net = Open(env);
    Napi::Array out = Napi::Array::New(env, net.paramCount());
    for (size_t p = 0; p < net.paramCount(); p++) out.Set((uint32_t)p, (double)net.paramSize(p));
    return out;
  }

  /** The list of host tensors, each checked against the device tensor's size. */
  std::vector<float*> HostParams(const Napi::CallbackInfo& info, const CudaNet& net) {
    Napi::Env env = info.Env();
    if (!info[0].IsArray()) throw Napi::TypeError::New(env, "params: must be an array of Float32Arrays");
    Napi::Array arr = info[0].As<Napi::Array>();
    if (arr.Length() != net.paramCount()) {
      throw Napi::RangeError::New(env, "params: " + std::to_string(net.paramCount()) + " tensors expected, got " + std::to_string(arr.Length()));
    }
    std::vector<float*> out;
    for (uint32_t p = 0; p < arr.Length(); p++) {
      const std::string name = "params[" + std::to_string(p) + "]";
      const size_t n = lengthOf(env, arr.Get(p), name);
      if (n != net.paramSize(p)) throw Napi::RangeError::New(env, name + ": " + std::to_string(net.paramSize(p)) + " elements expected, got " + std::to_string(n));
      out.push_back(f32(env, arr.Get(p), n, name));
    }
    return out;
  }

  /** setParams(params): uploads every tensor (host → device). */
  Napi::Value SetParams(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CudaNet& net = Open(env);
    const auto host = HostParams(info, net);
    guard(env, [&] {
      for (size_t p = 0; p < host.size(); p++) net.setParam(p, host[p]);
    });
    return env.Undefined();
  }

  /** getParams(params): downloads every tensor (device → host) into the given arrays. */
  Napi::Value GetParams(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CudaNet& net = Open(env);
    const auto host = HostParams(info, net);
    guard(env, [&] {
      for (size_t p = 0; p < host.size(); p++) net.getParam(p, host[p]);
    });
    return env.Undefined();
  }

  Napi::Value Finish(const Napi::Env& env, const CudaNet& net, double loss) {
    const auto& sq = net.sqNorms();
    std::memcpy(sqNorms_, sq.data(), sq.size() * sizeof(double));
    return Napi::Number::New(env, loss);
  }

  /** step(X, y, B, learningRate) → mean cost before the update (no update when it is not finite). */
  Napi::Value Step(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CudaNet& net = Open(env);
    const int B = intArg(env, info[2], "B", 1);
    const float* X = f32(env, info[0], (size_t)B * net.inputDim(), "X");
    const float* y = f32(env, info[1], (size_t)B * net.targetWidth(), "y");
    const double lr = numArg(env, info[3], "learningRate");
    const double loss = guard(env, [&] { return net.step(X, y, B, (float)lr); });
    return Finish(env, net, loss);
  }

  /** stepRows(X, y, order, start, B, learningRate): step on rows order[start..start+B), gathered here. */
  Napi::Value StepRows(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CudaNet& net = Open(env);
    const int B = intArg(env, info[4], "B", 1);
    const int start = intArg(env, info[3], "start");
    const size_t D = net.inputDim(), yw = net.targetWidth();
    const size_t n = lengthOf(env, info[0], "X") / D;
    const float* X = f32(env, info[0], n * D, "X");
    const float* y = f32(env, info[1], n * yw, "y");
    const int32_t* order = i32(env, info[2], (size_t)start + B, "order");
    const double lr = numArg(env, info[5], "learningRate");
    xb_.resize((size_t)B * D);
    yb_.resize((size_t)B * yw);
    for (int r = 0; r < B; r++) {
      const int32_t row = order[start + r];
      if (row < 0 || (size_t)row >= n) {
        throw Napi::RangeError::New(env, "order[" + std::to_string(start + r) + "]: row " + std::to_string(row) + " out of [0, " + std::to_string(n) + ")");
      }
      std::memcpy(&xb_[r * D], X + row * D, D * sizeof(float));
      std::memcpy(&yb_[r * yw], y + row * yw, yw * sizeof(float));
    }
    const double loss = guard(env, [&] { return net.step(xb_.data(), yb_.data(), B, (float)lr); });
    return Finish(env, net, loss);
  }

  /** forward(X, B, out): output-unit values of the first B rows into out (B×outputDim). */
  Napi::Value Forward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CudaNet& net = Open(env);
    const int B = intArg(env, info[1], "B", 1);
    const float* X = f32(env, info[0], (size_t)B * net.inputDim(), "X");
    float* out = f32(env, info[2], (size_t)B * net.outputDim(), "out");
    guard(env, [&] { net.forward(X, B, out); });
    return env.Undefined();
  }

  /** loss(y, B): mean cost of the last pass's first B rows. */
  Napi::Value Loss(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CudaNet& net = Open(env);
    const int B = intArg(env, info[1], "B", 1);
    if (B > net.capacity()) throw Napi::RangeError::New(env, "B: no pass of " + std::to_string(B) + " rows to read");
    const float* y = f32(env, info[0], (size_t)B * net.targetWidth(), "y");
    return Napi::Number::New(env, guard(env, [&] { return net.loss(y, B); }));
  }

  /** preactivations(l, B, out): Z of weight layer l from the last pass into out (B×width). */
  Napi::Value Preactivations(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CudaNet& net = Open(env);
    const int l = intArg(env, info[0], "l");
    if ((size_t)l >= net.layerCount()) throw Napi::RangeError::New(env, "l: must be below " + std::to_string(net.layerCount()));
    const int B = intArg(env, info[1], "B", 1);
    if (B > net.capacity()) throw Napi::RangeError::New(env, "B: no pass of " + std::to_string(B) + " rows to read");
    float* out = f32(env, info[2], (size_t)B * net.layerWidth(l), "out");
    guard(env, [&] { net.preactivations(l, B, out); });
    return env.Undefined();
  }

  /** positiveColumns(l, B, out): out[j] = 1 when column j of layer l's Z was > 0 in some of the last pass's B rows, else 0. */
  Napi::Value PositiveColumns(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CudaNet& net = Open(env);
    const int l = intArg(env, info[0], "l");
    if ((size_t)l >= net.layerCount()) throw Napi::RangeError::New(env, "l: must be below " + std::to_string(net.layerCount()));
    const int B = intArg(env, info[1], "B", 1);
    if (B > net.capacity()) throw Napi::RangeError::New(env, "B: no pass of " + std::to_string(B) + " rows to read");
    uint8_t* out = typed<uint8_t, napi_uint8_array>(env, info[2], net.layerWidth(l), "out", "Uint8Array");
    guard(env, [&] { net.positiveColumns(l, B, out); });
    return env.Undefined();
  }

  /** dispose(): frees the device memory now (the finalizer would, later). Idempotent. */
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    net_.reset();
    config_.Reset();
    sqNorms_ = nullptr;
    return info.Env().Undefined();
  }

  std::unique_ptr<CudaNet> net_;
  Napi::ObjectReference config_;
  double* sqNorms_ = nullptr;
  std::vector<float> xb_, yb_;  // stepRows' gathered batch
};

// ---- the addon: device probe, memory, the kernels one by one ----

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {
                             InstanceValue("Net", Net::Define(env)),
                             InstanceMethod("device", &Addon::Device),
                             InstanceMethod("memory", &Addon::Memory),
                             InstanceMethod("linearForward", &Addon::LinearForward),
                             InstanceMethod("linearBackward", &Addon::LinearBackward),
                             InstanceMethod("activationForward", &Addon::ActivationForward),
                             InstanceMethod("activationBackward", &Addon::ActivationBackward),
                             InstanceMethod("preluForward", &Addon::PreluForward),
                             InstanceMethod("preluBackward", &Addon::PreluBackward),
                             InstanceMethod("maxoutForward", &Addon::MaxoutForward),
                             InstanceMethod("maxoutBackward", &Addon::MaxoutBackward),
                             InstanceMethod("outputForward", &Addon::OutputForward),
                             InstanceMethod("outputLossAndDelta", &Addon::OutputLossAndDelta),
                             InstanceMethod("sgdUpdate", &Addon::SgdUpdate),
                         });
  }

 private:
  /**
   * device() → { count, name?, gemm, emulated, error? }: cudaGetDeviceCount's answer. Without a
   * driver or a GPU it reports count 0 and CUDA's reason instead of failing.
   */
  Napi::Value Device(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
      count = 0;
      o.Set("error", cudaGetErrorString(e));
      cudaGetLastError();  // clear the sticky error so a later probe starts clean
    }
    o.Set("count", count);
    if (count > 0) {
      cudaDeviceProp prop{};
      if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) {
        o.Set("name", prop.name);
        o.Set("computeCapability", std::to_string(prop.major) + "." + std::to_string(prop.minor));
      }
    }
    o.Set("gemm", gemmName());
    o.Set("emulated", kEmulated);
    return o;
  }

  /** memory() → { free, total } bytes of device 0 (cudaMemGetInfo). */
  Napi::Value Memory(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    size_t free = 0, total = 0;
    guard(env, [&] { check(cudaMemGetInfo(&free, &total), "cudaMemGetInfo"); });
    Napi::Object o = Napi::Object::New(env);
    o.Set("free", (double)free);
    o.Set("total", (double)total);
    return o;
  }

  Napi::Value LinearForward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int B = intArg(env, info[4], "B", 1), Din = intArg(env, info[5], "Din", 1), Dout = intArg(env, info[6], "Dout", 1);
    const float* A = f32(env, info[0], (size_t)B * Din, "A");
    const float* W = f32(env, info[1], (size_t)Din * Dout, "W");
    const float* b = f32(env, info[2], Dout, "b");
    float* Z = f32(env, info[3], (size_t)B * Dout, "Z");
    guard(env, [&] {
      ScopedGemm g;
      Dev<float> dA((size_t)B * Din, A), dW((size_t)Din * Dout, W), db(Dout, b), dZ((size_t)B * Dout);
      linearForward(g.g, dA.p, dW.p, db.p, dZ.p, B, Din, Dout, nullptr);
      dZ.download(Z);
    });
    return env.Undefined();
  }

  Napi::Value LinearBackward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int B = intArg(env, info[6], "B", 1), Din = intArg(env, info[7], "Din", 1), Dout = intArg(env, info[8], "Dout", 1);
    const float* A = f32(env, info[0], (size_t)B * Din, "A");
    const float* W = f32(env, info[1], (size_t)Din * Dout, "W");
    const float* dZ = f32(env, info[2], (size_t)B * Dout, "dZ");
    float* dA = info[3].IsNull() ? nullptr : f32(env, info[3], (size_t)B * Din, "dA");
    float* dW = f32(env, info[4], (size_t)Din * Dout, "dW");
    float* db = f32(env, info[5], Dout, "db");
    guard(env, [&] {
      ScopedGemm g;
      Dev<float> gA((size_t)B * Din, A), gW((size_t)Din * Dout, W), gdZ((size_t)B * Dout, dZ), gdW((size_t)Din * Dout), gdb(Dout);
      std::unique_ptr<Dev<float>> gdA(dA ? new Dev<float>((size_t)B * Din) : nullptr);
      linearBackward(g.g, gA.p, gW.p, gdZ.p, gdA ? gdA->p : nullptr, gdW.p, gdb.p, B, Din, Dout, nullptr);
      gdW.download(dW);
      gdb.download(db);
      if (gdA) gdA->download(dA);
    });
    return env.Undefined();
  }

  Napi::Value ActivationForward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int act = elementwiseAct(env, info[0]);
    const int len = intArg(env, info[3], "len");
    const float* Z = f32(env, info[1], len, "Z");
    float* A = f32(env, info[2], len, "A");
    const float leaky = (float)numArg(env, info[4], "leakyAlpha");
    if (len == 0) return env.Undefined();
    guard(env, [&] {
      Dev<float> dZ(len, Z), dA(len);
      activationForward(act, dZ.p, dA.p, len, leaky, nullptr);
      dA.download(A);
    });
    return env.Undefined();
  }

  Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int act = elementwiseAct(env, info[0]);
    const int len = intArg(env, info[5], "len");
    const float* Z = f32(env, info[1], len, "Z");
    const float* A = f32(env, info[2], len, "A");
    const float* dA = f32(env, info[3], len, "dA");
    float* dZ = f32(env, info[4], len, "dZ");
    const float leaky = (float)numArg(env, info[6], "leakyAlpha");
    if (len == 0) return env.Undefined();
    guard(env, [&] {
      Dev<float> gZ(len, Z), gA(len, A), gdA(len, dA), gdZ(len);
      activationBackward(act, gZ.p, gA.p, gdA.p, gdZ.p, len, leaky, nullptr);
      gdZ.download(dZ);
    });
    return env.Undefined();
  }

  Napi::Value PreluForward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int B = intArg(env, info[3], "B", 1), D = intArg(env, info[4], "D", 1);
    const size_t n = (size_t)B * D;
    const float* Z = f32(env, info[0], n, "Z");
    const float* alpha = f32(env, info[1], D, "alpha");
    float* A = f32(env, info[2], n, "A");
    guard(env, [&] {
      Dev<float> gZ(n, Z), ga(D, alpha), gA(n);
      preluForward(gZ.p, ga.p, gA.p, B, D, nullptr);
      gA.download(A);
    });
    return env.Undefined();
  }

  Napi::Value PreluBackward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int B = intArg(env, info[5], "B", 1), D = intArg(env, info[6], "D", 1);
    const size_t n = (size_t)B * D;
    const float* Z = f32(env, info[0], n, "Z");
    const float* alpha = f32(env, info[1], D, "alpha");
    const float* dA = f32(env, info[2], n, "dA");
    float* dZ = f32(env, info[3], n, "dZ");
    float* dAlpha = f32(env, info[4], D, "dAlpha");
    guard(env, [&] {
      Dev<float> gZ(n, Z), ga(D, alpha), gdA(n, dA), gdZ(n), gdAlpha(D);
      preluBackward(gZ.p, ga.p, gdA.p, gdZ.p, gdAlpha.p, B, D, nullptr);
      gdZ.download(dZ);
      gdAlpha.download(dAlpha);
    });
    return env.Undefined();
  }

  Napi::Value MaxoutForward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int B = intArg(env, info[3], "B", 1), D = intArg(env, info[4], "D", 1), k = intArg(env, info[5], "k", 1);
    const size_t n = (size_t)B * D;
    const float* Z = f32(env, info[0], n * k, "Z");
    float* A = f32(env, info[1], n, "A");
    int32_t* winners = i32(env, info[2], n, "winners");
    guard(env, [&] {
      Dev<float> gZ(n * k, Z), gA(n);
      Dev<int32_t> gw(n);
      maxoutForward(gZ.p, gA.p, gw.p, B, D, k, nullptr);
      gA.download(A);
      gw.download(winners);
    });
    return env.Undefined();
  }

  Napi::Value MaxoutBackward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int B = intArg(env, info[3], "B", 1), D = intArg(env, info[4], "D", 1), k = intArg(env, info[5], "k", 1);
    const size_t n = (size_t)B * D;
    const int32_t* winners = i32(env, info[0], n, "winners");
    const float* dA = f32(env, info[1], n, "dA");
    float* dZ = f32(env, info[2], n * k, "dZ");
    guard(env, [&] {
      Dev<int32_t> gw(n, winners);
      Dev<float> gdA(n, dA), gdZ(n * k);
      maxoutBackward(gw.p, gdA.p, gdZ.p, B, D, k, nullptr);
      gdZ.download(dZ);
    });
    return env.Undefined();
  }

  Napi::Value OutputForward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int unit = outputArg(env, info[0]);
    const int B = intArg(env, info[3], "B", 1), K = intArg(env, info[4], "outputDim", 1);
    const size_t logits = B * logitWidth(unit, K), outs = (size_t)B * K;
    const float* Z = f32(env, info[1], logits, "Z");
    float* out = f32(env, info[2], outs, "out");
    guard(env, [&] {
      Dev<float> gZ(logits, Z), gout(outs);
      outputForward(unit, gZ.p, gout.p, B, K, nullptr);
      gout.download(out);
    });
    return env.Undefined();
  }

  Napi::Value OutputLossAndDelta(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int unit = outputArg(env, info[0]);
    const int B = intArg(env, info[4], "B", 1), K = intArg(env, info[5], "outputDim", 1);
    const size_t logits = B * logitWidth(unit, K);
    const size_t targets = unit == OUT_LINEAR ? (size_t)B * K : B;
    const float* Z = f32(env, info[1], logits, "Z");
    const float* y = f32(env, info[2], targets, "y");
    float* dZ = f32(env, info[3], logits, "dZ");
    double sum = 0;
    guard(env, [&] {
      Dev<float> gZ(logits, Z), gy(targets, y), gdZ(logits);
      Dev<double> gsum(1);
      outputLossAndDelta(unit, gZ.p, gy.p, gdZ.p, gsum.p, B, K, nullptr);
      gdZ.download(dZ);
      gsum.download(&sum);
    });
    return Napi::Number::New(env, sum / B);
  }

  Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const size_t n = lengthOf(env, info[0], "w");
    float* w = f32(env, info[0], n, "w");
    const float* g = f32(env, info[1], n, "g");
    float* v = info[2].IsNull() ? nullptr : f32(env, info[2], n, "v");
    const float lr = (float)numArg(env, info[3], "learningRate"), mu = (float)numArg(env, info[4], "momentum");
    const float lambda = (float)numArg(env, info[5], "weightDecay"), scale = (float)numArg(env, info[6], "scale");
    double sq = 0;
    if (n == 0) return Napi::Number::New(env, 0);
    guard(env, [&] {
      Dev<float> gw(n, w), gg(n, g);
      std::unique_ptr<Dev<float>> gv(v ? new Dev<float>(n, v) : nullptr);
      Dev<double> gsq(1);
      check(cudaMemset(gsq.p, 0, sizeof(double)), "memset sq");
      sgdUpdate(gw.p, gg.p, gv ? gv->p : nullptr, (int)n, lr, mu, lambda, scale, gsq.p, nullptr);
      gw.download(w);
      if (gv) gv->download(v);
      gsq.download(&sq);
    });
    return Napi::Number::New(env, sq);
  }
};

}  // namespace

NODE_API_ADDON(Addon)
