#include <grp.h>
#include <popcheck/model/user_database.hpp>
#include <pwd.h>

namespace popcheck::model {

bool SystemUserDatabase::has_user(const std::string& name) {
  return ::getpwnam(name.c_str()) != nullptr;
}

bool SystemUserDatabase::has_group(const std::string& name) {
  return ::getgrnam(name.c_str()) != nullptr;
}

} // namespace popcheck::model
