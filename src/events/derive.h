// Derives notification targets from a json0 op: who was newly mentioned and
// who was newly assigned.
//
// A mention is a `<@user_id>` token in any string of the document; the id is
// 1 to 128 characters from [A-Za-z0-9_.@+-]. An assignment is a string value
// under an object key named `assignee`. The op's effect is measured as the
// change in the count of each user's tokens (and assignments) over the
// values that the op touches: a user is a target when the count grows.
// Moving a token within one op, re-saving a string that already had it, or
// setting an assignee to the value it had therefore notifies nobody.
#pragma once

#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "ot/error.h"
#include "ot/op.h"

namespace tandem::events {

enum class TargetKind { mention, assign };

struct Target {
  TargetKind kind = TargetKind::mention;
  std::string user_id;
  ot::Path path;        // the string (mention) or the assignee value, after the op
  std::string excerpt;  // text around the mention, or the assigned task's text
};

// Applies `op` to `document` like ot::apply (all or nothing: on error the
// document is unchanged) and returns the targets, each user at most once per
// kind, in the order first seen. `op` is restored before returning; it is
// taken by reference only to move components instead of copying them.
ot::Result<std::vector<Target>> apply_and_derive(boost::json::value& document, ot::Op& op);

// The user ids of the `<@id>` tokens in `text`, in order, with repeats.
std::vector<std::string> mention_tokens(std::string_view text);

}  // namespace tandem::events
