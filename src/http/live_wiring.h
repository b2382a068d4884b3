// Connects live editing to the real-time engine: document channels serve
// their history from the op log, committed ops are published there, and the
// `doc.submit` and `doc.fetch` RPC methods reach the document service.
#pragma once

#include <memory>
#include <string>

#include "core/error.h"
#include "documents/live.h"
#include "documents/service.h"
#include "http/rest_routes.h"
#include "http/router.h"
#include "realtime/engine.h"
#include "realtime/history.h"
#include "storage/store.h"

namespace tandem::http {

// History of `doc:{ws}:{doc}` channels read from the op log: offset is the
// document version and the epoch is the database id, so recovery works
// across restarts of one data directory.
class OpLogHistory final : public realtime::HistorySource {
 public:
  OpLogHistory(storage::Store& store, documents::LiveDocuments& live, std::string epoch);

  Result<realtime::StreamPosition> append(std::string_view channel, realtime::Publication& pub,
                                          const realtime::NamespaceOptions& ns) override;
  Result<realtime::HistoryResult> read(std::string_view channel, const realtime::HistoryQuery& query,
                                       const realtime::NamespaceOptions& ns) override;
  Status remove(std::string_view channel) override;

 private:
  storage::Store& store_;
  documents::LiveDocuments& live_;
  std::string epoch_;
};

// The channel of a document: "doc:{ws}:{doc}".
std::string document_channel(const std::string& workspace_id, const std::string& document_id);

// The publication data of a committed op:
// {"type":"op","version","op","user_id","client_id","seq","ts"}.
std::string op_publication(const storage::OpRecord& record);

// The publication data of a metadata change:
// {"type":"meta","event":"created"|"updated"|"deleted","doc_id","title","tags","user_id","version"}.
std::string meta_publication(const documents::MetaEvent& event);

// Publishes a metadata change on workspace:{ws} (kept in its short history)
// and on the document's channel (not kept: that history is the op log).
void publish_meta(realtime::Engine& engine, const documents::MetaEvent& event);

// Publishes {type: "presence", doc_id, user_id, client_id, open} on
// workspace:{ws} when a client's presence in doc:{ws}:{doc} starts or ends,
// so workspace views see who has which document open without polling.
// Other channels are ignored. Install with Engine::set_presence_listener.
void publish_presence_change(realtime::Engine& engine, std::string_view channel, const realtime::ClientInfo& info,
                             bool joined);

// Maps a domain error to an RPC error reply. The switch is exhaustive, so a
// new ErrorCode fails to compile until it has a protocol code here.
realtime::ProtocolError rpc_error(const Error& error);

// Registers doc.submit and doc.fetch on the engine.
void add_document_rpc(realtime::Engine& engine, documents::Service& service);

// GET /v1/workspaces/{ws}/presence: {doc_id: [{user_id, name}]} for every
// document someone in the workspace has open (presence on its channel).
void add_presence_route(Router& router, RestContext& context, std::shared_ptr<realtime::Engine> engine);

}  // namespace tandem::http
