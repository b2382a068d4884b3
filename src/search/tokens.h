// Tokens that put the workspace and the tags of a document into its FTS5 row
// (meta column), so that a workspace or tag filter runs inside the full-text
// index instead of after it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tandem::search {

// "ws" + lowercase hex of the id bytes: one alphanumeric unicode61 token that
// no user text can produce in the meta column, whatever the id contains.
std::string workspace_token(std::string_view workspace_id);

// "tg" + hex of the workspace id, "00", hex of the tag: exact, case-sensitive
// tag match within one workspace. Ids contain no NUL byte, so the first
// byte-aligned "00" ends the id. A tag filter then needs only this token,
// whose posting list is much shorter than the workspace token's.
std::string tag_token(std::string_view workspace_id, std::string_view tag);

// The meta column text of a document: its workspace token and one token per tag.
std::string meta_text(std::string_view workspace_id, const std::vector<std::string>& tags);

}  // namespace tandem::search
