// The notification REST API: a user's inbox and settings, and the dead-letter
// admin API.
//
// Dead letters are visible to owners: a user may list, redrive and delete
// the dead letters of events from workspaces where the user is an owner.
// There is no global administrator role; see docs/notifications.md.
#pragma once

#include "events/pipeline.h"
#include "http/rest_routes.h"
#include "http/router.h"

namespace tandem::http {

// Registers /v1/notifications... and /v1/admin/dead-letters...; `pipeline`
// may be null (then redrives are picked up by the next poll).
// `email_default` is the email setting of users who never stored one.
void add_notification_routes(Router& router, RestContext& context, events::Pipeline* pipeline,
                             bool email_default);

// JSON of a dead letter, with its payload parsed.
boost::json::object dead_letter_json(const storage::DeadLetter& letter);

}  // namespace tandem::http
