#include "world.h"

#include <boost/json.hpp>

namespace tandem::load {

boost::json::value initial_content() { return boost::json::object{{"text", ""}, {"tasks", boost::json::object{}}}; }

}  // namespace tandem::load
