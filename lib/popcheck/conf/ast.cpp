#include <popcheck/conf/ast.hpp>

namespace popcheck::conf {

Diagnostics ConfTree::all_errors() const {
  std::size_t count = 0;
  for (const ConfFile& file : files) {
    count += file.errors.size();
  }
  Diagnostics errors;
  errors.reserve(count);
  for (const ConfFile& file : files) {
    errors.insert(errors.end(), file.errors.begin(), file.errors.end());
  }
  return errors;
}

} // namespace popcheck::conf
