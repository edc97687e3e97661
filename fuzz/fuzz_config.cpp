// libFuzzer target: the whole `popcheck lint` / `compile` pipeline on an untrusted configuration:
// lexer, parser and include resolution (in memory), the model's analysis and merge, every lint
// rule, the compile document and every report format, dumped as the CLI does (one output per
// input). No disk, no DNS.
//
// Input: the main file; a line "#@file NAME" starts another file /fuzz/NAME that the main file
// can include. A text with "# configuration file PATH:" lines is also read as an `nginx -T` dump.
#include <popcheck/conf/parse_config.hpp>
#include <popcheck/conf/tree_json.hpp>
#include <popcheck/lint/formatters.hpp>
#include <popcheck/lint/linter.hpp>
#include <popcheck/model/analyzer.hpp>
#include <popcheck/pop3/compile_json.hpp>

using namespace popcheck;

namespace {

constexpr std::string_view k_file_marker = "\n#@file ";

// What a parsed input is turned into: its findings in one of the five lint formats, the compile
// document or the tree's JSON. Doing all of them for every input took most of the time (SARIF
// alone 15%); one per input, chosen by the input's length, still reaches each with any tree.
enum class Output { text, json, sarif, junit, codequality, compile, tree, count };

void run_pipeline(const conf::ConfTree& tree, lint::TargetVersion version, Output output) {
  static const lint::LintOptions options = [] {
    lint::LintOptions o;
    o.analyze.hostname = "fuzz.example";
    return o;
  }();
  static const lint::TextOptions text = [] {
    lint::TextOptions o;
    o.show_source = true;
    o.show_suppressed = true;
    o.source = [](const std::string&, int) -> std::optional<std::string_view> {
      return "mail { server { listen 110; } }";
    };
    return o;
  }();
  if (output == Output::tree) {
    (void)conf::to_json(tree).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    return;
  }
  if (output == Output::compile) {
    model::AnalyzeOptions analyze = options.analyze;
    analyze.include_syntax_errors = true;
    (void)pop3::compile_document("/fuzz/nginx.conf", {}, model::analyze(tree, analyze))
        .dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  lint::LintOptions versioned = options;
  versioned.version = version;
  lint::LintReport report;
  report.inputs = {"/fuzz/nginx.conf"};
  report.findings = lint::lint_tree(tree, versioned);
  switch (output) {
  case Output::text:
    (void)lint::format_text(report, text);
    break;
  case Output::json:
    (void)lint::format_json(report, 2);
    break;
  case Output::sarif:
    (void)lint::format_sarif(report, {.base_dir = "/fuzz"});
    break;
  case Output::junit:
    (void)lint::format_junit(report, {});
    break;
  default:
    (void)lint::format_codequality(report, {.base_dir = "/fuzz"});
    break;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  MemoryFileReader files;
  auto next = input.find(k_file_marker);
  const auto main_text = input.substr(0, next);
  while (next != std::string_view::npos) {
    const auto name_start = next + k_file_marker.size();
    const auto name_end = std::min(input.find('\n', name_start), input.size());
    const auto body_start = std::min(name_end + 1, input.size());
    next = input.find(k_file_marker, body_start);
    files.add(
        "/fuzz/" + std::string(input.substr(name_start, name_end - name_start)),
        std::string(input.substr(body_start, next == std::string_view::npos ? std::string_view::npos
                                                                            : next - body_start)));
  }
  const auto version = static_cast<lint::TargetVersion>(size % 4);
  const auto output = static_cast<Output>(size / 4 % static_cast<std::size_t>(Output::count));
  run_pipeline(conf::parse_config_text(main_text, "/fuzz/nginx.conf", files), version, output);
  if (input.find("# configuration file ") != std::string_view::npos) {
    if (auto dump = conf::parse_dump(input, files); dump) {
      run_pipeline(*dump, version, output);
    }
  }
  return 0;
}
