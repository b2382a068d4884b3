#include <gtest/gtest.h>

#include "events/email_sink.h"
#include "events/push_sink.h"

namespace tandem::events {
namespace {

TEST(WebhookSignature, KnownVector) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  EXPECT_EQ(webhook_signature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

EventPayload sample_payload() {
  EventPayload payload;
  payload.event_id = "e_1";
  payload.type = "mention";
  payload.doc_id = "d_1";
  payload.doc_title = "Plan\r\nBcc: victim@example.test";
  payload.actor_id = "alice";
  payload.user_id = "bob";
  payload.excerpt = "hi <@bob>\nsecond line";
  return payload;
}

TEST(EmailMessage, HeadersCannotBeInjected) {
  std::string message = compose_email(sample_payload(), "tandem@localhost", "bob@example.test",
                                      "https://tandem.example.test", "e_1", 0);
  std::string head = message.substr(0, message.find("\r\n\r\n"));
  EXPECT_EQ(head.find("\r\nBcc:"), std::string::npos) << head;
  EXPECT_NE(head.find("Subject: alice mentioned you in \"Plan  Bcc: victim@example.test\""), std::string::npos)
      << head;
  EXPECT_NE(head.find("To: <bob@example.test>"), std::string::npos);
  EXPECT_NE(message.find("https://tandem.example.test/documents/d_1\r\n"), std::string::npos);
  // Every line ends in CRLF.
  for (std::size_t at = message.find('\n'); at != std::string::npos; at = message.find('\n', at + 1)) {
    ASSERT_GT(at, 0u);
    ASSERT_EQ(message[at - 1], '\r') << "bare LF at byte " << at;
  }
}

TEST(EmailMessage, NonAsciiSubjectIsEncoded) {
  EventPayload payload = sample_payload();
  payload.doc_title = "Plän";
  std::string message = compose_email(payload, "tandem@localhost", "bob@example.test", "", "e_1", 0);
  EXPECT_NE(message.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_EQ(message.find("Subject: alice"), std::string::npos);
}

}  // namespace
}  // namespace tandem::events
