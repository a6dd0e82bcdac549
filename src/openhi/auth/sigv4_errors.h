#pragma once
// The AWS exception name a service answers (HTTP 403) for a VerifySigV4 failure, chosen from the
// condition name that starts the failure's message (see sigv4.h), so SDKs see the error they
// know; "Signature expired" lets their clock-skew correction kick in. Shared by every SigV4
// frontend (the AHI API, the SageMaker runtime API). Pure; thread-safe.
#include <string_view>

namespace openhi::auth {

inline std::string_view AwsNameForSigV4Failure(std::string_view message) {
  auto starts = [&](std::string_view p) { return message.substr(0, p.size()) == p; };
  if (starts("SignatureDoesNotMatch") || starts("XAmzContentSHA256Mismatch") ||
      starts("Signature expired") || starts("Signature not yet current")) {
    return "InvalidSignatureException";
  }
  if (starts("UnrecognizedClient")) return "UnrecognizedClientException";
  if (starts("IncompleteSignature")) return "IncompleteSignatureException";
  return "AccessDeniedException";
}

}  // namespace openhi::auth
