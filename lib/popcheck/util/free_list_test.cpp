#include <doctest/doctest.h>
#include <popcheck/util/byte_buffer.hpp>
#include <popcheck/util/free_list.hpp>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace popcheck::util {
namespace {

// A recycled object whose members own memory: each use must start from its constructor's state.
struct Item final : Recycled<Item, 2> {
  explicit Item(std::string text) : text(std::move(text)) {}
  std::string text;
  int counter = 0;
};

} // namespace

TEST_CASE("free list: the block freed last is taken first, and what it keeps is capped") {
  FreeList list(32, 2);
  void* a = list.take();
  void* b = list.take();
  void* c = list.take();
  CHECK(list.kept() == 0);
  list.give(a);
  list.give(b);
  list.give(c); // over the cap: freed
  CHECK(list.kept() == 2);
  CHECK(list.take() == b);
  CHECK(list.take() == a);
  CHECK(list.kept() == 0);
  list.give(a);
  list.give(b);
}

TEST_CASE("recycled: a reused block holds a freshly constructed object") {
  // Runs on a thread of its own: its list starts empty, whatever other tests did.
  std::thread([] {
    auto first = std::make_unique<Item>("a long text that does not fit in the string itself");
    first->counter = 7;
    const void* block = first.get();
    first.reset();
    CHECK(Item::free_list().kept() == 1);
    auto second = std::make_unique<Item>("b");
    CHECK(static_cast<const void*>(second.get()) == block); // the same memory, no allocation
    CHECK(second->text == "b");
    CHECK(second->counter == 0);
    CHECK(Item::free_list().kept() == 0);
    auto third = std::make_unique<Item>("c");
    auto fourth = std::make_unique<Item>("d");
    second.reset();
    third.reset();
    fourth.reset();
    CHECK(Item::free_list().kept() == 2); // Recycled<Item, 2>: the third block went back
  }).join();
}

TEST_CASE("byte buffers: reused per size; a large one is never kept") {
  std::thread([] {
    const char* small_block = nullptr;
    {
      ByteBuffer small(4096);
      small_block = small.data();
    }
    CHECK(byte_blocks::kept(4096) == 1);
    {
      ByteBuffer again(4096);
      CHECK(again.data() == small_block);
      CHECK(again.size() == 4096);
      CHECK(byte_blocks::kept(4096) == 0);
      ByteBuffer other_size(1000); // another size: its own list
      CHECK(other_size.data() != small_block);
    }
    CHECK(byte_blocks::kept(4096) == 1);
    CHECK(byte_blocks::kept(1000) == 1);
    {
      ByteBuffer large(byte_blocks::k_max_kept_bytes + 1);
    }
    CHECK(byte_blocks::kept(byte_blocks::k_max_kept_bytes + 1) == 0); // freed at once
    // Each size keeps at most k_kept_bytes_per_size worth of buffers.
    constexpr std::size_t size = byte_blocks::k_max_kept_bytes;
    constexpr std::size_t cap = byte_blocks::k_kept_bytes_per_size / size;
    {
      std::vector<ByteBuffer> many;
      for (std::size_t i = 0; i < cap + 3; ++i) {
        many.emplace_back(size);
      }
    }
    CHECK(byte_blocks::kept(size) == cap);
  }).join();
}

TEST_CASE("strings: a string given back is taken again empty, with its memory; big ones are not kept") {
  std::thread([] {
    std::string line = strings::join({"USER ", "a-login-longer-than-the-short-string", "\r\n"});
    CHECK(line == "USER a-login-longer-than-the-short-string\r\n");
    const char* memory = line.data();
    strings::give(std::move(line));
    CHECK(strings::kept() == 1);
    const std::string next = strings::join({"PASS ", "x", "\r\n"});
    CHECK(next == "PASS x\r\n"); // nothing of the last line is left in it
    CHECK(next.data() == memory);
    CHECK(strings::kept() == 0);
    // Relayed bytes that piled up are freed, not kept; so is a short string (no memory).
    strings::give(std::string(strings::k_max_kept_capacity + 1, 'x'));
    strings::give(std::string("short"));
    CHECK(strings::kept() == 0);
    for (std::size_t i = 0; i < strings::k_kept + 2; ++i) {
      strings::give(std::string(100, 'y'));
    }
    CHECK(strings::kept() == strings::k_kept);
  }).join();
}

} // namespace popcheck::util
