#pragma once

// The ConfTree as JSON in crossplane's shape (`crossplane parse`), plus columns:
// {"status","errors":[{"file","line","column","error"}],
//  "config":[{"file","status","errors":[{"error","line","column"}],"parsed":[directive...]}]}
// where a directive is {"directive","line","column","args",["includes"],["block"]} and "error" is
// the text nginx prints ("MESSAGE in FILE:LINE"). Described by schemas/parse.schema.json.

#include <nlohmann/json.hpp>
#include <popcheck/conf/ast.hpp>

namespace popcheck::conf {

nlohmann::ordered_json to_json(const ConfTree& tree);

} // namespace popcheck::conf
