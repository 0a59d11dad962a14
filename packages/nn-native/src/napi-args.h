// Argument checks shared by both addons (src/addon.cc, cuda/binding.cc): every error names the
// argument, and a typed array must hold at least the elements the kernel will touch.
#pragma once
#include <napi.h>

#include <cmath>
#include <string>

namespace napi_args {

template <typename T, napi_typedarray_type Kind>
inline T* typed(const Napi::Env& env, const Napi::Value& v, size_t need, const std::string& name, const char* type) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != Kind) {
    throw Napi::TypeError::New(env, name + ": must be a " + type);
  }
  auto arr = v.As<Napi::TypedArrayOf<T>>();
  if (arr.ElementLength() < need) {
    throw Napi::RangeError::New(env, name + ": needs at least " + std::to_string(need) + " elements, got " +
                                         std::to_string(arr.ElementLength()));
  }
  return arr.Data();
}

inline float* f32(const Napi::Env& env, const Napi::Value& v, size_t need, const std::string& name) {
  return typed<float, napi_float32_array>(env, v, need, name, "Float32Array");
}

inline int32_t* i32(const Napi::Env& env, const Napi::Value& v, size_t need, const std::string& name) {
  return typed<int32_t, napi_int32_array>(env, v, need, name, "Int32Array");
}

inline int intArg(const Napi::Env& env, const Napi::Value& v, const std::string& name, int min = 0) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, name + ": must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= min) || d > 2147483647.0 || d != std::floor(d)) {
    throw Napi::RangeError::New(env, name + ": must be an integer ≥ " + std::to_string(min));
  }
  return (int)d;
}

inline double numArg(const Napi::Env& env, const Napi::Value& v, const std::string& name) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, name + ": must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

}  // namespace napi_args
