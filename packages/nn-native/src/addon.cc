// N-API bindings: the kernels one by one (for the conformance suite) and `Net`, a network's
// whole training step in one call. All arrays are the caller's Float32Arrays, used in place
// (zero copies): the Net keeps references to them so their memory stays alive and put.
//
// OpenBLAS threads: one pool per process, shared by every worker_thread running a trial. The
// budget is the pool size at load time (OPENBLAS_NUM_THREADS, else the cores); live Nets split
// it: with one trial it gets all threads, with n concurrent trials each sgemm runs on
// budget / n (at least 1), so two trials on two cores never run four BLAS threads. A process
// that runs k trainers at once (the worker's training threads) says so (reserveTrainers(k)):
// the split is then by max(live, k), so a trainer between two folds or trials never hands its
// share to the other for a moment. That moment cost most: the other Net woke OpenBLAS's pool
// thread, which then spins (sched_yield) on the core the first trainer is about to use.
// Within its share a Net measures whether more threads actually help (small matrices, or cores
// busy with other processes, can make 2 threads slower than 1): it times a few steps at its
// share and a few at 1 thread, keeps the faster, and measures again every PROBE_EVERY steps.
// The thread count changes OpenBLAS's blocking, so products differ in the last bits between 1
// and 2 threads (deterministic for a given count): a native trial is reproducible up to float32
// rounding, like js vs native, not bit for bit across machine load and concurrency.
#include <napi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <string>
#include <vector>

#include "kernels.h"
#include "napi-args.h"

namespace {

using namespace nn;

// ---- thread budget (process-wide: worker_threads share the addon's statics) ----
std::mutex g_thread_mutex;
int g_budget = 0;  // BLAS threads available to all trials together
int g_live = 0;    // Nets alive
int g_current = 0; // threads OpenBLAS was last told to use
int g_trainers = 0; // trainers the process runs at once (reserveTrainers), 0 when not said

/** The share of one Net: the budget split over the live Nets or the declared trainers. */
int share_locked() { return std::max(1, g_budget / std::max({1, g_live, g_trainers})); }

void init_budget_locked() {
  if (g_budget == 0) g_budget = std::max(1, openblas_get_num_threads());
}

void set_threads_locked(int want) {
  if (want != g_current) {
    openblas_set_num_threads(want);
    g_current = want;
  }
}

void rebalance_locked() {
  init_budget_locked();
  set_threads_locked(share_locked());
}

/** This Net's share of the budget right now. */
int fair_share() {
  std::lock_guard<std::mutex> lock(g_thread_mutex);
  init_budget_locked();
  return share_locked();
}

/** Before a call: OpenBLAS uses min(preferred, fair share) threads. */
void use_threads(int preferred) {
  std::lock_guard<std::mutex> lock(g_thread_mutex);
  init_budget_locked();
  set_threads_locked(std::max(1, std::min(preferred, share_locked())));
}

/**
 * Picks a Net's thread count from measured step times. A probe alternates blocks of BLOCK steps
 * at the fair share and at 1 thread, ROUNDS blocks each, the first step of every block unmeasured
 * (a switch pays for waking or idling BLAS workers); interleaving spreads the machine's noise over
 * both sides instead of charging it to whichever was measured first. More threads must be at
 * least 5% faster per sample to win: otherwise one thread leaves a core to the rest of the
 * machine. The first probe runs in a Net's first steps, while BLAS workers are still starting, so
 * it is repeated after FIRST_REPROBE settled steps, then every PROBE_EVERY.
 * (Measured: with one 5-step probe per side right after creation, A of `npm run bench` ran at 58k
 * or 130k samples/s depending on the run.)
 */
class ThreadTuner {
 public:
  static constexpr int WARMUP = 3, BLOCK = 4, ROUNDS = 3, FIRST_REPROBE = 200, PROBE_EVERY = 2000;

  /** Threads to use for the next step. */
  int threads() {
    if (phase_ == Phase::Settled && since_ >= (probes_ == 1 ? FIRST_REPROBE : PROBE_EVERY)) Restart();
    const int share = fair_share();
    if (share < 2) return 1;  // nothing to choose
    switch (phase_) {
      case Phase::Warmup:
        return share;
      case Phase::Probe:
        return ManyBlock() ? share : 1;
      default:
        return chosen_ == 1 ? 1 : share;
    }
  }

  /** After a step of B rows that took `seconds` with `threads`. */
  void record(double seconds, int B, int threads) {
    const double perSample = seconds / std::max(1, B);
    switch (phase_) {
      case Phase::Warmup:
        if (++count_ >= WARMUP) Next(Phase::Probe);
        return;
      case Phase::Probe: {
        const bool many = ManyBlock();
        if (many && threads < 2) return Restart();  // the share fell to 1 meanwhile
        if (count_ % BLOCK != 0) (many ? many_ : one_).push_back(perSample);
        if (++count_ >= 2 * ROUNDS * BLOCK) {
          chosen_ = Median(many_) < 0.95 * Median(one_) ? 0 : 1;
          probes_++;
          Next(Phase::Settled);
        }
        return;
      }
      default:
        since_++;
    }
  }

  /** 1 when one thread measured faster, 0 for the fair share; −1 before the first choice. */
  int chosen() const { return chosen_; }

 private:
  enum class Phase { Warmup, Probe, Settled };
  bool ManyBlock() const { return (count_ / BLOCK) % 2 == 0; }
  static double Median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }
  void Next(Phase p) {
    phase_ = p;
    count_ = 0;
    since_ = 0;
  }
  void Restart() {
    many_.clear();
    one_.clear();
    Next(Phase::Warmup);
  }
  Phase phase_ = Phase::Warmup;
  int count_ = 0, since_ = 0, chosen_ = -1, probes_ = 0;
  std::vector<double> many_, one_;
};

void net_opened() {
  std::lock_guard<std::mutex> lock(g_thread_mutex);
  g_live++;
  rebalance_locked();
}

void net_closed() {
  std::lock_guard<std::mutex> lock(g_thread_mutex);
  g_live--;
  rebalance_locked();
}

// Argument helpers (every error names the argument): napi-args.h.
using napi_args::f32;
using napi_args::typed;
using napi_args::i32;
using napi_args::intArg;
using napi_args::numArg;

// ---- Net ----

struct Layer {
  int din, width, units, act, pieces;  // act −1: the output layer
  int w, b, alpha;                     // slots in params/grads (alpha −1 without PReLU)
};

class Net : public Napi::ObjectWrap<Net> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Net",
                       {InstanceMethod("setWorkspace", &Net::SetWorkspace), InstanceMethod("step", &Net::Step),
                        InstanceMethod("stepRows", &Net::StepRows),
                        InstanceMethod("forward", &Net::Forward), InstanceMethod("loss", &Net::Loss),
                        InstanceMethod("dispose", &Net::Dispose)});
  }

  explicit Net(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Net>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "config: must be an object");
    Napi::Object cfg = info[0].As<Napi::Object>();
    config_ = Napi::Persistent(cfg);

    Napi::Value layersV = cfg.Get("layers");
    if (!layersV.IsTypedArray()) throw Napi::TypeError::New(env, "config.layers: must be an Int32Array");
    const size_t L = layersV.As<Napi::TypedArray>().ElementLength() / 8;
    if (L == 0) throw Napi::RangeError::New(env, "config.layers: needs 8 values per layer");
    const int32_t* spec = i32(env, layersV, L * 8, "config.layers");
    outputUnit_ = intArg(env, cfg.Get("output"), "config.output");
    outputDim_ = intArg(env, cfg.Get("outputDim"), "config.outputDim", 1);
    leaky_ = (float)numArg(env, cfg.Get("leakyAlpha"), "config.leakyAlpha");
    momentum_ = numArg(env, cfg.Get("momentum"), "config.momentum");
    weightDecay_ = numArg(env, cfg.Get("weightDecay"), "config.weightDecay");
    clipNorm_ = numArg(env, cfg.Get("clipNorm"), "config.clipNorm");

    Napi::Value paramsV = cfg.Get("params"), gradsV = cfg.Get("grads"), velV = cfg.Get("velocity");
    if (!paramsV.IsArray() || !gradsV.IsArray()) throw Napi::TypeError::New(env, "config.params/grads: must be arrays");
    Napi::Array params = paramsV.As<Napi::Array>(), grads = gradsV.As<Napi::Array>();
    const uint32_t P = params.Length();
    if (grads.Length() != P) throw Napi::RangeError::New(env, "config.grads: one per parameter tensor");
    const bool hasVelocity = velV.IsArray();
    for (uint32_t p = 0; p < P; p++) {
      Napi::Value pv = params.Get(p);
      if (!pv.IsTypedArray()) throw Napi::TypeError::New(env, "config.params[" + std::to_string(p) + "]: must be a Float32Array");
      const size_t n = pv.As<Napi::TypedArray>().ElementLength();
      sizes_.push_back(n);
      params_.push_back(f32(env, pv, n, "config.params[" + std::to_string(p) + "]"));
      grads_.push_back(f32(env, grads.Get(p), n, "config.grads[" + std::to_string(p) + "]"));
      velocity_.push_back(hasVelocity ? f32(env, velV.As<Napi::Array>().Get(p), n, "config.velocity[" + std::to_string(p) + "]")
                                      : nullptr);
    }
    const uint8_t* decay = typed<uint8_t, napi_uint8_array>(env, cfg.Get("decay"), P, "config.decay", "Uint8Array");
    decay_.assign(decay, decay + P);
    sqNorms_ = typed<double, napi_float64_array>(env, cfg.Get("sqNorms"), P, "config.sqNorms", "Float64Array");

    for (size_t l = 0; l < L; l++) {
      const int32_t* s = spec + l * 8;
      Layer layer{s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]};
      auto slotOk = [&](int slot, size_t need) { return slot >= 0 && (uint32_t)slot < P && sizes_[slot] >= need; };
      if (layer.din < 1 || layer.width < 1 || layer.units < 1 || layer.pieces < 1 ||
          !slotOk(layer.w, (size_t)layer.din * layer.width) || !slotOk(layer.b, layer.width) ||
          (layer.act == PRELU && !slotOk(layer.alpha, layer.units))) {
        throw Napi::RangeError::New(env, "config.layers[" + std::to_string(l) + "]: inconsistent with the parameters");
      }
      layers_.push_back(layer);
    }
    inputDim_ = layers_.front().din;
    net_opened();
    open_ = true;
  }

  ~Net() override { Close(); }

 private:
  void Close() {
    if (!open_) return;
    open_ = false;
    net_closed();
  }

  void EnsureOpen(const Napi::Env& env) const {
    if (!open_) throw Napi::Error::New(env, "Net: used after dispose()");
  }

  /** setWorkspace({ capacity, Z, A, dZ, dA, winners, out }): per-layer buffers sized for `capacity` rows. */
  Napi::Value SetWorkspace(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    EnsureOpen(env);
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "workspace: must be an object");
    Napi::Object ws = info[0].As<Napi::Object>();
    const int cap = intArg(env, ws.Get("capacity"), "workspace.capacity", 1);
    const size_t L = layers_.size();
    auto list = [&](const char* name) {
      Napi::Value v = ws.Get(name);
      if (!v.IsArray()) throw Napi::TypeError::New(env, std::string("workspace.") + name + ": must be an array");
      return v.As<Napi::Array>();
    };
    Napi::Array Z = list("Z"), dZ = list("dZ"), A = list("A"), dA = list("dA"), W = list("winners");
    std::vector<float*> z, dz, a, da;
    std::vector<int32_t*> win;
    for (size_t l = 0; l < L; l++) {
      const Layer& layer = layers_[l];
      const size_t wide = (size_t)cap * layer.width, narrow = (size_t)cap * layer.units;
      const std::string at = "[" + std::to_string(l) + "]";
      z.push_back(f32(env, Z.Get(l), wide, "workspace.Z" + at));
      dz.push_back(f32(env, dZ.Get(l), wide, "workspace.dZ" + at));
      if (l + 1 < L) {
        a.push_back(f32(env, A.Get(l), narrow, "workspace.A" + at));
        da.push_back(f32(env, dA.Get(l), narrow, "workspace.dA" + at));
        win.push_back(layer.act == MAXOUT ? i32(env, W.Get(l), narrow, "workspace.winners" + at) : nullptr);
      }
    }
    out_ = f32(env, ws.Get("out"), (size_t)cap * outputDim_, "workspace.out");
    Z_ = z, dZ_ = dz, A_ = a, dA_ = da, winners_ = win;
    capacity_ = cap;
    workspace_ = Napi::Persistent(ws);
    return env.Undefined();
  }

  int BatchArg(const Napi::CallbackInfo& info, int index) {
    Napi::Env env = info.Env();
    EnsureOpen(env);
    const int B = intArg(env, info[index], "B", 1);
    if (B > capacity_) {
      throw Napi::RangeError::New(env, "B: " + std::to_string(B) + " exceeds the workspace capacity " + std::to_string(capacity_));
    }
    return B;
  }

  size_t TargetLength(int B) const { return outputUnit_ == OUT_LINEAR ? (size_t)B * outputDim_ : (size_t)B; }

  void ForwardPass(const float* X, int B) {
    const float* in = X;
    const size_t last = layers_.size() - 1;
    for (size_t l = 0; l <= last; l++) {
      const Layer& layer = layers_[l];
      gemm_forward(in, params_[layer.w], Z_[l], B, layer.din, layer.width);
      if (l == last) {
        add_bias(Z_[l], params_[layer.b], B, layer.width);
      } else {
        const float* alpha = layer.act == PRELU ? params_[layer.alpha] : nullptr;
        bias_activation_forward(layer.act, Z_[l], params_[layer.b], A_[l], winners_[l], alpha, B, layer.units,
                                layer.pieces, leaky_);
        in = A_[l];
      }
    }
  }

  /** dA[l] → dZ[l] through hidden layer l's unit (and PReLU's slope gradient). */
  void HiddenBackward(size_t l, int B) {
    const Layer& layer = layers_[l];
    switch (layer.act) {
      case PRELU:
        prelu_backward(Z_[l], params_[layer.alpha], dA_[l], dZ_[l], grads_[layer.alpha], B, layer.units);
        return;
      case MAXOUT:
        maxout_backward(winners_[l], dA_[l], dZ_[l], B, layer.units, layer.pieces);
        return;
      default:
        elementwise_backward(layer.act, Z_[l], A_[l], dA_[l], dZ_[l], (size_t)B * layer.units, leaky_);
    }
  }

  double Update(int p, double lr, double scale) {
    const double lambda = decay_[p] ? weightDecay_ : 0.0;
    return sgd_update(params_[p], grads_[p], velocity_[p], sizes_[p], lr, momentum_, lambda, scale);
  }

  /** step(X, y, B, learningRate) → mean cost before the update (no update when it is not finite). */
  Napi::Value Step(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int B = BatchArg(info, 2);
    const float* X = f32(env, info[0], (size_t)B * inputDim_, "X");
    const float* y = f32(env, info[1], TargetLength(B), "y");
    const double lr = numArg(env, info[3], "learningRate");

    const int threads = tuner_.threads();
    use_threads(threads);
    const auto t0 = std::chrono::steady_clock::now();
    const double loss = TrainStep(X, y, B, lr);
    tuner_.record(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), B, threads);
    return Napi::Number::New(env, loss);
  }

  /**
   * stepRows(X, y, order, start, B, learningRate): step(…) on rows order[start..start+B) of the
   * whole training part X (n×inputDim) / y, gathered here (a memcpy per row) instead of in JS.
   */
  Napi::Value StepRows(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int B = BatchArg(info, 4);
    const int start = intArg(env, info[3], "start");
    if (!info[0].IsTypedArray() || !info[1].IsTypedArray()) throw Napi::TypeError::New(env, "X, y: must be Float32Arrays");
    const size_t n = info[0].As<Napi::TypedArray>().ElementLength() / inputDim_;
    const size_t yWidth = outputUnit_ == OUT_LINEAR ? (size_t)outputDim_ : 1;
    const float* X = f32(env, info[0], n * inputDim_, "X");
    const float* y = f32(env, info[1], n * yWidth, "y");
    const int32_t* order = i32(env, info[2], (size_t)start + B, "order");
    const double lr = numArg(env, info[5], "learningRate");
    xb_.resize((size_t)B * inputDim_);
    yb_.resize((size_t)B * yWidth);
    for (int r = 0; r < B; r++) {
      const int32_t row = order[start + r];
      if (row < 0 || (size_t)row >= n) {
        throw Napi::RangeError::New(env, "order[" + std::to_string(start + r) + "]: row " + std::to_string(row) + " out of [0, " + std::to_string(n) + ")");
      }
      std::memcpy(&xb_[(size_t)r * inputDim_], X + (size_t)row * inputDim_, sizeof(float) * inputDim_);
      std::memcpy(&yb_[(size_t)r * yWidth], y + (size_t)row * yWidth, sizeof(float) * yWidth);
    }
    const int threads = tuner_.threads();
    use_threads(threads);
    const auto t0 = std::chrono::steady_clock::now();
    const double loss = TrainStep(xb_.data(), yb_.data(), B, lr);
    tuner_.record(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), B, threads);
    return Napi::Number::New(env, loss);
  }

  double TrainStep(const float* X, const float* y, int B, double lr) {
    ForwardPass(X, B);
    const size_t last = layers_.size() - 1;
    const double loss = output_loss(outputUnit_, Z_[last], y, dZ_[last], B, outputDim_);
    if (!std::isfinite(loss)) return loss;

    // Without clipping each layer is updated as soon as its gradients exist (after dA used
    // its W), while they are still warm in cache; clipping needs every norm first.
    const bool clip = clipNorm_ > 0;
    for (size_t l = last + 1; l-- > 0;) {
      const Layer& layer = layers_[l];
      const float* input = l == 0 ? X : A_[l - 1];
      gemm_weight_grad(input, dZ_[l], grads_[layer.w], B, layer.din, layer.width);
      column_sums(dZ_[l], grads_[layer.b], B, layer.width);
      if (l > 0) {
        gemm_input_grad(dZ_[l], params_[layer.w], dA_[l - 1], B, layer.din, layer.width);
        HiddenBackward(l - 1, B);
      }
      if (!clip) {
        sqNorms_[layer.w] = Update(layer.w, lr, 1.0);
        sqNorms_[layer.b] = Update(layer.b, lr, 1.0);
        // This layer's slope gradient was computed with the layer above, before this point.
        if (layer.act == PRELU) sqNorms_[layer.alpha] = Update(layer.alpha, lr, 1.0);
      }
    }
    if (clip) {
      double total = 0;
      for (size_t p = 0; p < params_.size(); p++) total += sqNorms_[p] = sum_squares(grads_[p], sizes_[p]);
      const double norm = std::sqrt(total);
      const double scale = norm > clipNorm_ ? clipNorm_ / norm : 1.0;
      for (size_t p = 0; p < params_.size(); p++) Update((int)p, lr, scale);
    }
    return loss;
  }

  /** forward(X, B): output-unit values of the first B rows into workspace.out. */
  Napi::Value Forward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int B = BatchArg(info, 1);
    use_threads(tuner_.chosen() == 1 ? 1 : 1 << 20);
    ForwardPass(f32(env, info[0], (size_t)B * inputDim_, "X"), B);
    output_forward(outputUnit_, Z_.back(), out_, B, outputDim_);
    return env.Undefined();
  }

  /** loss(y, B): mean cost of the last forward pass's batch. */
  Napi::Value Loss(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int B = BatchArg(info, 1);
    const float* y = f32(env, info[0], TargetLength(B), "y");
    return Napi::Number::New(env, output_loss(outputUnit_, Z_.back(), y, nullptr, B, outputDim_));
  }

  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    Close();
    config_.Reset();
    workspace_.Reset();
    return info.Env().Undefined();
  }

  Napi::ObjectReference config_, workspace_;
  std::vector<Layer> layers_;
  std::vector<float*> params_, grads_, velocity_;
  std::vector<size_t> sizes_;
  std::vector<uint8_t> decay_;
  double* sqNorms_ = nullptr;
  std::vector<float*> Z_, dZ_, A_, dA_;
  std::vector<int32_t*> winners_;
  float* out_ = nullptr;
  int capacity_ = 0, inputDim_ = 0, outputUnit_ = 0, outputDim_ = 1;
  float leaky_ = 0.01f;
  double momentum_ = 0, weightDecay_ = 0, clipNorm_ = 0;
  bool open_ = false;
  ThreadTuner tuner_;
  std::vector<float> xb_, yb_;  // stepRows' gathered batch (the first layer's input)
};

// ---- the kernels one by one (same argument order as the TypeScript reference) ----

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {
                             InstanceValue("Net", Net::Define(env)),
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
                             InstanceMethod("blasThreads", &Addon::BlasThreads),
                             InstanceMethod("reserveTrainers", &Addon::ReserveTrainers),
                         });
  }

 private:
  Napi::Value LinearForward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int B = intArg(env, info[4], "B", 1), Din = intArg(env, info[5], "Din", 1), Dout = intArg(env, info[6], "Dout", 1);
    float* Z = f32(env, info[3], (size_t)B * Dout, "Z");
    gemm_forward(f32(env, info[0], (size_t)B * Din, "A"), f32(env, info[1], (size_t)Din * Dout, "W"), Z, B, Din, Dout);
    add_bias(Z, f32(env, info[2], Dout, "b"), B, Dout);
    return env.Undefined();
  }

  Napi::Value LinearBackward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int B = intArg(env, info[6], "B", 1), Din = intArg(env, info[7], "Din", 1), Dout = intArg(env, info[8], "Dout", 1);
    const float* A = f32(env, info[0], (size_t)B * Din, "A");
    const float* W = f32(env, info[1], (size_t)Din * Dout, "W");
    const float* dZ = f32(env, info[2], (size_t)B * Dout, "dZ");
    gemm_weight_grad(A, dZ, f32(env, info[4], (size_t)Din * Dout, "dW"), B, Din, Dout);
    column_sums(dZ, f32(env, info[5], Dout, "db"), B, Dout);
    if (!info[3].IsNull()) gemm_input_grad(dZ, W, f32(env, info[3], (size_t)B * Din, "dA"), B, Din, Dout);
    return env.Undefined();
  }

  static int ElementwiseAct(const Napi::Env& env, const Napi::Value& v) {
    const int act = intArg(env, v, "act");
    if (act == PRELU || act == MAXOUT || act > TANH) throw Napi::RangeError::New(env, "act: not an elementwise unit");
    return act;
  }

  Napi::Value ActivationForward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int act = ElementwiseAct(env, info[0]);
    const int len = intArg(env, info[3], "len");
    float* Z = f32(env, info[1], len, "Z");
    float* A = f32(env, info[2], len, "A");
    bias_activation_forward(act, Z, nullptr, A, nullptr, nullptr, 1, len, 1, (float)numArg(env, info[4], "leakyAlpha"));
    return env.Undefined();
  }

  Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int act = ElementwiseAct(env, info[0]);
    const int len = intArg(env, info[5], "len");
    elementwise_backward(act, f32(env, info[1], len, "Z"), f32(env, info[2], len, "A"), f32(env, info[3], len, "dA"),
                         f32(env, info[4], len, "dZ"), len, (float)numArg(env, info[6], "leakyAlpha"));
    return env.Undefined();
  }

  Napi::Value PreluForward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int B = intArg(env, info[3], "B", 1), D = intArg(env, info[4], "D", 1);
    bias_activation_forward(PRELU, f32(env, info[0], (size_t)B * D, "Z"), nullptr, f32(env, info[2], (size_t)B * D, "A"),
                            nullptr, f32(env, info[1], D, "alpha"), B, D, 1, 0.0f);
    return env.Undefined();
  }

  Napi::Value PreluBackward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int B = intArg(env, info[5], "B", 1), D = intArg(env, info[6], "D", 1);
    const size_t n = (size_t)B * D;
    prelu_backward(f32(env, info[0], n, "Z"), f32(env, info[1], D, "alpha"), f32(env, info[2], n, "dA"),
                   f32(env, info[3], n, "dZ"), f32(env, info[4], D, "dAlpha"), B, D);
    return env.Undefined();
  }

  Napi::Value MaxoutForward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int B = intArg(env, info[3], "B", 1), D = intArg(env, info[4], "D", 1), k = intArg(env, info[5], "k", 1);
    bias_activation_forward(MAXOUT, f32(env, info[0], (size_t)B * D * k, "Z"), nullptr, f32(env, info[1], (size_t)B * D, "A"),
                            i32(env, info[2], (size_t)B * D, "winners"), nullptr, B, D, k, 0.0f);
    return env.Undefined();
  }

  Napi::Value MaxoutBackward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int B = intArg(env, info[3], "B", 1), D = intArg(env, info[4], "D", 1), k = intArg(env, info[5], "k", 1);
    maxout_backward(i32(env, info[0], (size_t)B * D, "winners"), f32(env, info[1], (size_t)B * D, "dA"),
                    f32(env, info[2], (size_t)B * D * k, "dZ"), B, D, k);
    return env.Undefined();
  }

  static int OutputArg(const Napi::Env& env, const Napi::Value& v) {
    const int unit = intArg(env, v, "unit");
    if (unit > OUT_LINEAR) throw Napi::RangeError::New(env, "unit: unknown output unit");
    return unit;
  }

  static size_t LogitWidth(int unit, int K) { return unit == OUT_SOFTMAX_KM1 ? K - 1 : K; }

  Napi::Value OutputForward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int unit = OutputArg(env, info[0]);
    const int B = intArg(env, info[3], "B", 1), K = intArg(env, info[4], "outputDim", 1);
    output_forward(unit, f32(env, info[1], B * LogitWidth(unit, K), "Z"), f32(env, info[2], (size_t)B * K, "out"), B, K);
    return env.Undefined();
  }

  Napi::Value OutputLossAndDelta(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int unit = OutputArg(env, info[0]);
    const int B = intArg(env, info[4], "B", 1), K = intArg(env, info[5], "outputDim", 1);
    const size_t logits = B * LogitWidth(unit, K);
    const size_t targets = unit == OUT_LINEAR ? (size_t)B * K : B;
    const double loss = output_loss(unit, f32(env, info[1], logits, "Z"), f32(env, info[2], targets, "y"),
                                    f32(env, info[3], logits, "dZ"), B, K);
    return Napi::Number::New(env, loss);
  }

  Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "w: must be a Float32Array");
    const size_t n = info[0].As<Napi::TypedArray>().ElementLength();
    float* w = f32(env, info[0], n, "w");
    const float* g = f32(env, info[1], n, "g");
    float* v = info[2].IsNull() ? nullptr : f32(env, info[2], n, "v");
    const double s = sgd_update(w, g, v, n, numArg(env, info[3], "learningRate"), numArg(env, info[4], "momentum"),
                                numArg(env, info[5], "weightDecay"), numArg(env, info[6], "scale"));
    return Napi::Number::New(env, s);
  }

  /** { budget, current, live }: the BLAS thread budget and how it is split right now. */
  Napi::Value BlasThreads(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::lock_guard<std::mutex> lock(g_thread_mutex);
    if (g_budget == 0) rebalance_locked();
    Napi::Object o = Napi::Object::New(env);
    o.Set("budget", g_budget);
    o.Set("current", g_current);
    o.Set("live", g_live);
    o.Set("trainers", g_trainers);
    return o;
  }

  /** reserveTrainers(k): this process runs k trainers at once; each Net's share is budget / max(live, k) (0: not said). */
  Napi::Value ReserveTrainers(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int k = intArg(env, info[0], "trainers", 0);
    std::lock_guard<std::mutex> lock(g_thread_mutex);
    g_trainers = k;
    rebalance_locked();
    return env.Undefined();
  }
};

}  // namespace

NODE_API_ADDON(Addon)
