// The core and events directives whose values nginx checks in a handler of its own, beyond the
// simple kinds of the directive table: worker_cpu_affinity (ngx_set_cpu_affinity in
// src/core/nginx.c), thread_pool (ngx_thread_pool in src/core/ngx_thread_pool.c) and
// debug_connection (ngx_event_debug_connection in src/event/ngx_event.c), and the warning
// ngx_core_module_init_conf gives once the file is read.

#include <algorithm>
#include <popcheck/model/values.hpp>
#include <popcheck/model/walker.hpp>

namespace popcheck::model::detail {
namespace {

// CPU_SETSIZE of glibc: a mask has at most this many digits.
constexpr std::size_t k_cpu_setsize = 1024;

} // namespace

void Walker::worker_cpu_affinity(const conf::Directive& d) {
  std::size_t first_mask = 0;
  if (d.args[0].value == "auto") {
    // `auto` may be followed by one mask, the CPUs auto binds to.
    if (d.args.size() > 2) {
      error(rules::k_arguments, d, "invalid number of arguments in \"worker_cpu_affinity\" directive");
      return;
    }
    cpu_affinity_auto = true;
    first_mask = 1;
  }
  for (std::size_t i = first_mask; i < d.args.size(); ++i) {
    const std::string_view mask = d.args[i].value;
    if (mask.size() > k_cpu_setsize) {
      error(rules::k_invalid_value, d,
            "\"worker_cpu_affinity\" supports up to " + std::to_string(k_cpu_setsize) +
                " CPUs only");
      return;
    }
    // Read from the right (CPU 0 is the last digit); spaces are skipped.
    for (auto it = mask.rbegin(); it != mask.rend(); ++it) {
      if (*it != ' ' && *it != '0' && *it != '1') {
        error(rules::k_invalid_value, d,
              "invalid character \"" + std::string(1, *it) + "\" in \"worker_cpu_affinity\"");
        return;
      }
    }
  }
  cpu_affinity_masks = d.args.size();
  cpu_affinity_where = location(d);
}

void Walker::thread_pool(const conf::Directive& d) {
  const std::string name = d.args[0].value.str();
  // A pool that failed its own checks was never given threads: naming it again is no duplicate.
  if (std::find(thread_pools.begin(), thread_pools.end(), name) != thread_pools.end()) {
    error(rules::k_duplicate, d, "duplicate thread pool \"" + name + "\"");
    return;
  }
  bool threads = false;
  // Parameters other than threads= and max_queue= are ignored, as nginx ignores them.
  for (std::size_t i = 1; i < d.args.size(); ++i) {
    const std::string_view v = d.args[i].value;
    if (v.starts_with("threads=")) {
      const auto n = parse_number(v.substr(8));
      if (!n || *n == 0) {
        error(rules::k_invalid_value, d, "invalid threads value \"" + std::string(v) + "\"");
        return;
      }
      threads = true;
    } else if (v.starts_with("max_queue=")) {
      if (!parse_number(v.substr(10))) {
        error(rules::k_invalid_value, d, "invalid max_queue value \"" + std::string(v) + "\"");
        return;
      }
    }
  }
  if (!threads) {
    error(rules::k_invalid_value, d, "\"thread_pool\" must have \"threads\" parameter");
    return;
  }
  thread_pools.push_back(name);
}

void Walker::debug_connection(const conf::Directive& d) {
  // An address or CIDR block, `unix:`, else a host name every address of which is added.
  const conf::Text v = d.args[0].value;
  if (v == "unix:") {
    return;
  }
  if (const auto low_bits = parse_cidr(v)) {
    if (*low_bits) {
      report(rules::k_debug_connection, d, "low address bits of " + v + " are meaningless",
             Severity::warning);
    }
    return;
  }
  const auto found = resolver().resolve(v.str());
  if (found && found->empty()) {
    error(rules::k_debug_connection, d, "host not found in debug_connection \"" + v + "\"");
  }
}

void Walker::core_init_conf() {
  // With `auto` workers the count is the machine's CPUs: not decidable from the file.
  if (cpu_affinity_auto || cpu_affinity_masks <= 1 || !worker_processes ||
      static_cast<std::int64_t>(cpu_affinity_masks) == *worker_processes) {
    return;
  }
  Diagnostic diag;
  diag.rule = std::string(rules::k_cpu_affinity_masks.id);
  diag.severity = rules::k_cpu_affinity_masks.severity;
  diag.message = "the number of \"worker_processes\" is not equal to the number of "
                 "\"worker_cpu_affinity\" masks, using last mask for remaining worker processes";
  diag.location = *cpu_affinity_where;
  diag.unlocated_in_nginx = true;
  out.diagnostics.push_back(std::move(diag));
}

} // namespace popcheck::model::detail
