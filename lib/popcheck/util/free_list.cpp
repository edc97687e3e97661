#include <algorithm>
#include <array>
#include <optional>
#include <popcheck/util/free_list.hpp>
#include <popcheck/util/text_cursor.hpp>

namespace popcheck::util {

FreeList::FreeList(std::size_t block_size, std::size_t max_kept)
    : m_block_size(std::max(block_size, sizeof(Node))), m_max_kept(max_kept) {}

FreeList::~FreeList() {
  while (m_head != nullptr) {
    Node* next = m_head->next;
    ::operator delete(m_head);
    m_head = next;
  }
  // A block given back later on this thread (a static's destructor) is freed, not kept.
  m_kept = 0;
  m_max_kept = 0;
}

void* FreeList::take() {
  if (m_head == nullptr) {
    return ::operator new(m_block_size);
  }
  Node* node = m_head;
  m_head = node->next;
  --m_kept;
  return node;
}

void FreeList::give(void* block) {
  if (m_kept >= m_max_kept) {
    ::operator delete(block);
    return;
  }
  m_head = ::new (block) Node{m_head};
  ++m_kept;
}

namespace byte_blocks {
namespace {

// A configuration uses one or two buffer sizes; a fifth size is simply not kept.
constexpr std::size_t k_sizes = 4;

struct Lists {
  std::array<std::optional<FreeList>, k_sizes> lists;

  FreeList* find(std::size_t size, bool add) {
    for (auto& list : lists) {
      if (list && list->block_size() == size) {
        return &*list;
      }
    }
    if (!add) {
      return nullptr;
    }
    for (auto& list : lists) {
      if (!list) {
        return &list.emplace(size, k_kept_bytes_per_size / size);
      }
    }
    return nullptr;
  }
};

Lists& lists() {
  thread_local Lists kept;
  return kept;
}

bool keepable(std::size_t size) { return size >= sizeof(void*) && size <= k_max_kept_bytes; }

} // namespace

char* take(std::size_t size) {
  if (FreeList* list = keepable(size) ? lists().find(size, true) : nullptr) {
    return static_cast<char*>(list->take());
  }
  return static_cast<char*>(::operator new(size));
}

void give(char* block, std::size_t size) {
  if (block == nullptr) {
    return;
  }
  if (FreeList* list = keepable(size) ? lists().find(size, false) : nullptr) {
    list->give(block);
    return;
  }
  ::operator delete(block);
}

std::size_t kept(std::size_t size) {
  const FreeList* list = lists().find(size, false);
  return list != nullptr ? list->kept() : 0;
}

} // namespace byte_blocks

namespace strings {
namespace {

struct Kept {
  std::array<std::string, k_kept> items;
  std::size_t count = 0;
};

Kept& kept_strings() {
  thread_local Kept kept;
  return kept;
}

} // namespace

std::string take() {
  Kept& kept = kept_strings();
  if (kept.count == 0) {
    return {};
  }
  return std::move(kept.items[--kept.count]); // moved from: left empty, without memory
}

std::string join(std::initializer_list<std::string_view> parts) {
  std::string out = take(); // no allocation when the string given back was large enough
  append_joined(out, parts);
  return out;
}

void give(std::string&& text) {
  Kept& kept = kept_strings();
  // A string without memory of its own (short: held inside the object) is not worth keeping.
  if (kept.count == k_kept || text.capacity() > k_max_kept_capacity ||
      text.capacity() <= std::string().capacity()) {
    std::string().swap(text);
    return;
  }
  text.clear();
  kept.items[kept.count++] = std::move(text);
}

std::size_t kept() { return kept_strings().count; }

} // namespace strings
} // namespace popcheck::util
