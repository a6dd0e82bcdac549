#include "openhi/auth/credentials.h"

#include <cstdlib>
#include <utility>
#include <vector>

#include "openhi/auth/internal/text.h"
#include "openhi/core/bytes.h"
#include "openhi/core/file_util.h"

namespace openhi::auth {
namespace {

constexpr size_t kMaxAccessKeyIdLength = 128;
constexpr size_t kMaxSecretLength = 1024;

using internal::IsSpace;
using internal::ToLowerAscii;
using internal::TrimSpace;

// Checks an access key ID; the message never contains the value itself.
Status CheckAccessKeyId(std::string_view id) {
  if (id.empty() || id.size() > kMaxAccessKeyIdLength) {
    return InvalidArgument("access key ID must be 1-128 characters");
  }
  for (char c : id) {
    if (c <= ' ' || c > '~' || c == '/' || c == ',' || c == '=') {
      return InvalidArgument(
          "access key ID has a character outside printable ASCII or one of "
          "whitespace / , =");
    }
  }
  return Status::Ok();
}

Status CheckSecret(std::string_view secret) {
  if (secret.empty() || secret.size() > kMaxSecretLength) {
    return InvalidArgument("secret access key must be 1-1024 characters");
  }
  for (char c : secret) {
    if (c <= ' ' || c > '~') {
      return InvalidArgument("secret access key has a whitespace or non-printable character");
    }
  }
  return Status::Ok();
}

// Splits text into lines without their line ends (LF or CRLF); a leading UTF-8 BOM is dropped.
std::vector<std::string_view> Lines(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::string At(std::string_view origin, size_t line_number) {
  std::string where = origin.empty() ? "line " : std::string(origin) + ":";
  return where + std::to_string(line_number) + ": ";
}

Status AddAt(CredentialStore& store, std::string id, std::string secret, std::string_view origin,
             size_t line_number) {
  Status s = store.Add(std::move(id), std::move(secret));
  if (s.ok()) return s;
  // A conflicting duplicate is an input error here, not a state conflict.
  return InvalidArgument(At(origin, line_number) + s.message());
}

Status ParsePairs(const std::vector<std::string_view>& lines, std::string_view origin,
                  CredentialStore& store) {
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = TrimSpace(lines[i]);
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string_view> fields;
    while (!line.empty()) {
      size_t end = 0;
      while (end < line.size() && !IsSpace(line[end])) ++end;
      fields.push_back(line.substr(0, end));
      line = TrimSpace(line.substr(end));
    }
    if (fields.size() != 2) {
      return InvalidArgument(At(origin, i + 1) + "expected `ACCESS_KEY_ID SECRET`, found " +
                             std::to_string(fields.size()) + " field(s)");
    }
    OPENHI_RETURN_IF_ERROR(
        AddAt(store, std::string(fields[0]), std::string(fields[1]), origin, i + 1));
  }
  return Status::Ok();
}

Status ParseIni(const std::vector<std::string_view>& lines, std::string_view origin,
                CredentialStore& store) {
  struct Profile {
    std::string name;
    size_t line_number = 0;
    std::optional<std::string> id;
    std::optional<std::string> secret;
  };
  std::optional<Profile> profile;
  auto flush = [&]() -> Status {
    if (!profile || (!profile->id && !profile->secret)) return Status::Ok();
    if (!profile->id || !profile->secret) {
      return InvalidArgument(At(origin, profile->line_number) + "profile [" + profile->name +
                             "] needs both aws_access_key_id and aws_secret_access_key");
    }
    return AddAt(store, *profile->id, *profile->secret, origin, profile->line_number);
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = TrimSpace(lines[i]);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']' || line.size() < 3) {
        return InvalidArgument(At(origin, i + 1) + "malformed section header");
      }
      OPENHI_RETURN_IF_ERROR(flush());
      profile = Profile{std::string(TrimSpace(line.substr(1, line.size() - 2))), i + 1, {}, {}};
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return InvalidArgument(At(origin, i + 1) + "expected `key = value`");
    }
    std::string key = ToLowerAscii(TrimSpace(line.substr(0, eq)));
    std::string_view value = TrimSpace(line.substr(eq + 1));
    if (!profile) return InvalidArgument(At(origin, i + 1) + "key outside a [profile] section");
    if (key == "aws_access_key_id" || key == "aws_secret_access_key") {
      std::optional<std::string>& slot = key == "aws_access_key_id" ? profile->id : profile->secret;
      if (slot) return InvalidArgument(At(origin, i + 1) + "repeated " + key);
      slot = std::string(value);
    }
  }
  return flush();
}

}  // namespace

Result<CredentialStore> CredentialStore::LoadFile(const std::filesystem::path& path) {
  Result<Bytes> bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status().WithContext("credentials file");
  return Parse(AsStringView(*bytes), path.string());
}

Result<CredentialStore> CredentialStore::Parse(std::string_view text, std::string_view origin) {
  std::vector<std::string_view> lines = Lines(text);
  bool ini = false;
  for (std::string_view raw : lines) {
    std::string_view line = TrimSpace(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    ini = line.front() == '[';
    break;
  }
  CredentialStore store;
  OPENHI_RETURN_IF_ERROR(ini ? ParseIni(lines, origin, store) : ParsePairs(lines, origin, store));
  if (store.empty()) {
    std::string where = origin.empty() ? "credentials" : std::string(origin);
    return InvalidArgument(where + ": no credentials found");
  }
  return store;
}

Result<CredentialStore> CredentialStore::FromEnv() {
  const char* id = std::getenv(std::string(kAccessKeyIdEnv).c_str());
  const char* secret = std::getenv(std::string(kSecretAccessKeyEnv).c_str());
  if (id == nullptr && secret == nullptr) {
    return NotFound(std::string(kAccessKeyIdEnv) + " and " + std::string(kSecretAccessKeyEnv) +
                    " are not set");
  }
  if (id == nullptr || secret == nullptr) {
    return InvalidArgument("set both " + std::string(kAccessKeyIdEnv) + " and " +
                           std::string(kSecretAccessKeyEnv) + ", not only one");
  }
  CredentialStore store;
  Status s = store.Add(id, secret);
  if (!s.ok()) return s.WithContext("environment credentials");
  return store;
}

Status CredentialStore::Add(std::string access_key_id, std::string secret) {
  OPENHI_RETURN_IF_ERROR(CheckAccessKeyId(access_key_id));
  OPENHI_RETURN_IF_ERROR(CheckSecret(secret));
  auto it = secrets_.find(access_key_id);
  if (it != secrets_.end()) {
    if (it->second == secret) return Status::Ok();
    return AlreadyExists("access key ID " + access_key_id + " already has a different secret");
  }
  secrets_.emplace(std::move(access_key_id), std::move(secret));
  return Status::Ok();
}

std::optional<std::string_view> CredentialStore::Lookup(std::string_view access_key_id) const {
  auto it = secrets_.find(access_key_id);
  if (it == secrets_.end()) return std::nullopt;
  return std::string_view(it->second);
}

}  // namespace openhi::auth
