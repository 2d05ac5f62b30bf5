// Chunk plans for the fuzz targets of stream parsers: leading input bytes choose the sizes of the
// pieces the rest of the input is fed in, so the fuzzer explores every way a stream can be cut.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace berth::fuzz {

// A payload and the sizes (each at least 1, used in turn) of the chunks to feed it in.
struct ChunkPlan {
  std::vector<size_t> sizes;  // empty: the payload in one chunk
  std::string_view payload;
};

// Reads the plan from `data`: one byte N (N % 8 sizes follow), then the sizes, one byte each as
// 1 + byte % max_chunk, then the payload.
inline ChunkPlan ReadChunkPlan(const uint8_t* data, size_t size, size_t max_chunk) {
  ChunkPlan plan;
  if (size == 0) return plan;
  size_t count = std::min<size_t>(data[0] % 8, size - 1);
  for (size_t i = 1; i <= count; ++i) plan.sizes.push_back(1 + data[i] % max_chunk);
  plan.payload =
      std::string_view(reinterpret_cast<const char*>(data + 1 + count), size - 1 - count);
  return plan;
}

// Calls `feed` with consecutive non-empty pieces of the payload, sized as the plan says.
template <class Feed>
void ForEachChunk(const ChunkPlan& plan, Feed&& feed) {
  if (plan.sizes.empty()) {
    if (!plan.payload.empty()) feed(plan.payload);
    return;
  }
  size_t pos = 0;
  for (size_t i = 0; pos < plan.payload.size(); ++i) {
    size_t n = std::min(plan.sizes[i % plan.sizes.size()], plan.payload.size() - pos);
    feed(plan.payload.substr(pos, n));
    pos += n;
  }
}

}  // namespace berth::fuzz
