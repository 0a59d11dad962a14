// A CPU stand-in for the parts of the CUDA runtime that kernels.cu and driver.cpp use, so the
// kernels' arithmetic can be checked against the reference on machines without a GPU (here, CI).
// Each launch runs its blocks one after another, a block's threads as std::threads meeting at a
// barrier for __syncthreads(); __shared__ becomes a static local, which is per block because
// blocks never overlap. It proves the math and indexing, not GPU timing or memory-model details.
#pragma once
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
typedef int cudaError_t;
typedef void* cudaStream_t;
enum { cudaSuccess = 0 };
enum cudaMemcpyKind { cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost, cudaMemcpyDeviceToDevice };
struct cudaDeviceProp {
  char name[256];
  int major, minor;
};

namespace nnemu {
inline thread_local dim3 threadIdx_, blockIdx_, blockDim_;
inline std::barrier<>* barrier_ = nullptr;
inline std::mutex atomicMutex_;
inline void launch(dim3 grid, dim3 block, const std::function<void()>& body) {
  const unsigned threads = block.x * block.y * block.z;
  for (unsigned bz = 0; bz < grid.z; bz++)
    for (unsigned by = 0; by < grid.y; by++)
      for (unsigned bx = 0; bx < grid.x; bx++) {
        std::barrier<> bar(threads);
        barrier_ = &bar;
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads; t++)
          pool.emplace_back([&, t] {
            threadIdx_ = dim3(t % block.x, (t / block.x) % block.y, t / (block.x * block.y));
            blockIdx_ = dim3(bx, by, bz);
            blockDim_ = block;
            body();
            bar.arrive_and_drop();  // a thread that returned early no longer holds others up
          });
        for (auto& th : pool) th.join();
      }
}
}  // namespace nnemu

#define threadIdx nnemu::threadIdx_
#define blockIdx nnemu::blockIdx_
#define blockDim nnemu::blockDim_
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
inline void __syncthreads() { nnemu::barrier_->arrive_and_wait(); }
inline double atomicAdd(double* p, double v) {
  std::lock_guard<std::mutex> lock(nnemu::atomicMutex_);
  const double old = *p;
  *p += v;
  return old;
}

inline const char* cudaGetErrorString(cudaError_t) { return "emulated CUDA error"; }
inline cudaError_t cudaGetLastError() { return cudaSuccess; }
inline cudaError_t cudaMalloc(void* p, size_t n) {
  *static_cast<void**>(p) = std::malloc(n);
  return cudaSuccess;
}
template <typename T>
inline cudaError_t cudaMalloc(T** p, size_t n) {
  *p = static_cast<T*>(std::malloc(n));
  return cudaSuccess;
}
inline cudaError_t cudaFree(void* p) {
  std::free(p);
  return cudaSuccess;
}
inline cudaError_t cudaMemset(void* p, int v, size_t n) {
  std::memset(p, v, n);
  return cudaSuccess;
}
inline cudaError_t cudaMemsetAsync(void* p, int v, size_t n, cudaStream_t) { return cudaMemset(p, v, n); }
inline cudaError_t cudaMemcpy(void* d, const void* s, size_t n, cudaMemcpyKind) {
  std::memcpy(d, s, n);
  return cudaSuccess;
}
inline cudaError_t cudaMemcpyAsync(void* d, const void* s, size_t n, cudaMemcpyKind k, cudaStream_t) { return cudaMemcpy(d, s, n, k); }
inline cudaError_t cudaStreamCreate(cudaStream_t* s) {
  *s = nullptr;
  return cudaSuccess;
}
inline cudaError_t cudaStreamDestroy(cudaStream_t) { return cudaSuccess; }
inline cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int) {
  std::strcpy(p->name, "CPU emulation (cuda/emulate)");
  p->major = 0;
  p->minor = 0;
  return cudaSuccess;
}
