// A CPU stand-in for the parts of the CUDA runtime that kernels.cu, driver.cpp and the N-API
// binding (../binding.cc) use, so the kernels' arithmetic and the binding's glue can be checked
// against the reference on machines without a GPU (here, CI).
//
// Launches: each block's threads run as fibers (ucontext) on the calling thread, one after the
// other; __syncthreads() switches to the next fiber, and a block moves past a barrier once every
// thread still running has reached it (a thread that returned no longer holds the others up).
// __shared__ becomes a static local, which is per block because blocks never overlap; launches
// from several OS threads (worker_threads) take one lock, so they never overlap either.
//
// Device memory: cudaMalloc'd blocks are registered, and cudaMemcpy checks the direction and the
// range (a host→device copy must land inside one cudaMalloc'd block and read from outside every
// one; device→host the other way round), so glue that hands a host pointer where a device one
// belongs, or copies past a buffer, fails here as it would on a GPU. cudaMemGetInfo reports the
// bytes held, so tests can check that a network frees its memory.
//
// It proves the math, the indexing and the glue, not GPU timing or memory-model details.
#pragma once
#include <ucontext.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
typedef int cudaError_t;
typedef void* cudaStream_t;
enum { cudaSuccess = 0, cudaErrorInvalidValue = 1, cudaErrorMemoryAllocation = 2 };
enum cudaMemcpyKind { cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost, cudaMemcpyDeviceToDevice };
struct cudaDeviceProp {
  char name[256];
  int major, minor;
  size_t totalGlobalMem;
};

namespace nnemu {
// The thread the kernel body sees; set before each switch into a fiber.
inline dim3 threadIdx_, blockIdx_, blockDim_;

struct Fiber {
  ucontext_t ctx;
  bool done = false;
};
inline std::mutex launchMutex_;  // one launch at a time, process-wide
inline ucontext_t scheduler_;
inline std::vector<Fiber> fibers_;
inline std::vector<std::unique_ptr<char[]>> stacks_;
inline size_t current_ = 0;
inline const std::function<void()>* body_ = nullptr;
constexpr size_t kStack = 128 * 1024;

inline void fiberMain() {
  (*body_)();
  fibers_[current_].done = true;
  swapcontext(&fibers_[current_].ctx, &scheduler_);  // never resumed
}

inline void launch(dim3 grid, dim3 block, const std::function<void()>& body) {
  std::lock_guard<std::mutex> lock(launchMutex_);
  const size_t threads = (size_t)block.x * block.y * block.z;
  while (stacks_.size() < threads) stacks_.emplace_back(new char[kStack]);
  fibers_.assign(threads, Fiber{});
  body_ = &body;
  blockDim_ = block;
  for (unsigned bz = 0; bz < grid.z; bz++)
    for (unsigned by = 0; by < grid.y; by++)
      for (unsigned bx = 0; bx < grid.x; bx++) {
        blockIdx_ = dim3(bx, by, bz);
        for (size_t t = 0; t < threads; t++) {
          Fiber& f = fibers_[t];
          f.done = false;
          getcontext(&f.ctx);
          f.ctx.uc_stack.ss_sp = stacks_[t].get();
          f.ctx.uc_stack.ss_size = kStack;
          f.ctx.uc_link = nullptr;
          makecontext(&f.ctx, fiberMain, 0);
        }
        // Rounds: every unfinished thread runs to its next barrier or to its end.
        for (bool running = true; running;) {
          running = false;
          for (size_t t = 0; t < threads; t++) {
            if (fibers_[t].done) continue;
            current_ = t;
            threadIdx_ = dim3(t % block.x, (t / block.x) % block.y, t / (block.x * block.y));
            swapcontext(&scheduler_, &fibers_[t].ctx);
            running |= !fibers_[t].done;
          }
        }
      }
  body_ = nullptr;
}

inline void syncthreads() { swapcontext(&fibers_[current_].ctx, &scheduler_); }

// ---- device memory registry ----
inline std::mutex memMutex_;
inline std::map<uintptr_t, size_t> blocks_;  // start → bytes
inline size_t held_ = 0;
inline thread_local std::string lastError_;
constexpr size_t kTotal = size_t(16) << 30;  // what cudaMemGetInfo reports as the device's size

/** True when [p, p+n) lies inside one registered block. */
inline bool inDevice(const void* p, size_t n) {
  const uintptr_t a = (uintptr_t)p;
  auto it = blocks_.upper_bound(a);
  if (it == blocks_.begin()) return false;
  --it;
  return a >= it->first && a + n <= it->first + it->second;
}
/** True when [p, p+n) overlaps no registered block. */
inline bool outsideDevice(const void* p, size_t n) {
  const uintptr_t a = (uintptr_t)p;
  auto it = blocks_.lower_bound(a + n);
  if (it == blocks_.begin()) return true;
  --it;
  return it->first + it->second <= a;
}
inline cudaError_t fail(const std::string& why) {
  lastError_ = "emulated CUDA: " + why;
  return cudaErrorInvalidValue;
}
}  // namespace nnemu

#define threadIdx nnemu::threadIdx_
#define blockIdx nnemu::blockIdx_
#define blockDim nnemu::blockDim_
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __restrict__
#define __shared__ static
inline void __syncthreads() { nnemu::syncthreads(); }
inline double atomicAdd(double* p, double v) {
  const double old = *p;  // fibers never run at the same time
  *p += v;
  return old;
}

inline const char* cudaGetErrorString(cudaError_t e) {
  if (e == cudaSuccess) return "no error";
  return nnemu::lastError_.empty() ? "emulated CUDA error" : nnemu::lastError_.c_str();
}
inline cudaError_t cudaGetLastError() { return cudaSuccess; }
inline cudaError_t cudaMalloc(void** p, size_t n) {
  std::lock_guard<std::mutex> lock(nnemu::memMutex_);
  void* m = std::malloc(n ? n : 1);
  if (!m) return nnemu::fail("out of memory");
  nnemu::blocks_[(uintptr_t)m] = n;
  nnemu::held_ += n;
  *p = m;
  return cudaSuccess;
}
template <typename T>
inline cudaError_t cudaMalloc(T** p, size_t n) {
  return cudaMalloc(reinterpret_cast<void**>(p), n);
}
inline cudaError_t cudaFree(void* p) {
  if (!p) return cudaSuccess;
  std::lock_guard<std::mutex> lock(nnemu::memMutex_);
  auto it = nnemu::blocks_.find((uintptr_t)p);
  if (it == nnemu::blocks_.end()) return nnemu::fail("cudaFree of a pointer cudaMalloc did not return");
  nnemu::held_ -= it->second;
  nnemu::blocks_.erase(it);
  std::free(p);
  return cudaSuccess;
}
inline cudaError_t cudaMemset(void* p, int v, size_t n) {
  std::lock_guard<std::mutex> lock(nnemu::memMutex_);
  if (!nnemu::inDevice(p, n)) return nnemu::fail("cudaMemset outside device memory");
  std::memset(p, v, n);
  return cudaSuccess;
}
inline cudaError_t cudaMemsetAsync(void* p, int v, size_t n, cudaStream_t) { return cudaMemset(p, v, n); }
inline cudaError_t cudaMemcpy(void* d, const void* s, size_t n, cudaMemcpyKind k) {
  std::lock_guard<std::mutex> lock(nnemu::memMutex_);
  const bool dstDev = k != cudaMemcpyDeviceToHost, srcDev = k != cudaMemcpyHostToDevice;
  if (dstDev ? !nnemu::inDevice(d, n) : !nnemu::outsideDevice(d, n))
    return nnemu::fail(std::string("cudaMemcpy destination is not ") + (dstDev ? "inside one device block" : "host memory"));
  if (srcDev ? !nnemu::inDevice(s, n) : !nnemu::outsideDevice(s, n))
    return nnemu::fail(std::string("cudaMemcpy source is not ") + (srcDev ? "inside one device block" : "host memory"));
  if (n) std::memcpy(d, s, n);
  return cudaSuccess;
}
inline cudaError_t cudaMemcpyAsync(void* d, const void* s, size_t n, cudaMemcpyKind k, cudaStream_t) { return cudaMemcpy(d, s, n, k); }
inline cudaError_t cudaMemGetInfo(size_t* free, size_t* total) {
  std::lock_guard<std::mutex> lock(nnemu::memMutex_);
  *total = nnemu::kTotal;
  *free = nnemu::kTotal - nnemu::held_;
  return cudaSuccess;
}
inline cudaError_t cudaStreamCreate(cudaStream_t* s) {
  *s = nullptr;
  return cudaSuccess;
}
inline cudaError_t cudaStreamDestroy(cudaStream_t) { return cudaSuccess; }
inline cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
inline cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
inline cudaError_t cudaGetDeviceCount(int* n) {
  *n = 1;
  return cudaSuccess;
}
inline cudaError_t cudaSetDevice(int) { return cudaSuccess; }
inline cudaError_t cudaGetDevice(int* d) {
  *d = 0;
  return cudaSuccess;
}
inline cudaError_t cudaRuntimeGetVersion(int* v) {
  *v = 0;
  return cudaSuccess;
}
inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int) {
  std::strcpy(p->name, "CPU emulation (cuda/emulate)");
  p->major = 0;
  p->minor = 0;
  p->totalGlobalMem = nnemu::kTotal;
  return cudaSuccess;
}
