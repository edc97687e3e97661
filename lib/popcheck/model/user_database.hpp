#pragma once

// The seam for `user`'s lookups (ngx_set_user): run as root, nginx -t asks the machine's user and
// group databases while reading the directive. The answer depends on the machine, so popcheck
// asks only when told to (lint --check-users): tests answer from memory.

#include <set>
#include <string>

namespace popcheck::model {

class UserDatabase {
public:
  virtual ~UserDatabase() = default;
  virtual bool has_user(const std::string& name) = 0;  // getpwnam()
  virtual bool has_group(const std::string& name) = 0; // getgrnam()
};

class SystemUserDatabase final : public UserDatabase {
public:
  bool has_user(const std::string& name) override;
  bool has_group(const std::string& name) override;
};

class MemoryUserDatabase final : public UserDatabase {
public:
  void add_user(std::string name) { m_users.insert(std::move(name)); }
  void add_group(std::string name) { m_groups.insert(std::move(name)); }
  bool has_user(const std::string& name) override { return m_users.contains(name); }
  bool has_group(const std::string& name) override { return m_groups.contains(name); }

private:
  std::set<std::string> m_users;
  std::set<std::string> m_groups;
};

} // namespace popcheck::model
