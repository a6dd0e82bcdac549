#include "openhi/client/ahi_client.h"

#include <vector>

#include <nlohmann/json.hpp>

#include "openhi/client/internal/endpoint.h"
#include "openhi/client/internal/transport.h"
#include "openhi/core/gzip.h"

namespace openhi::client {
namespace {

using internal::EncodeComponent;
using internal::HttpCall;
using internal::HttpResult;

Status CheckId(std::string_view what, std::string_view id) {
  if (id.empty()) return InvalidArgument(std::string(what) + " must not be empty");
  return Status::Ok();
}

std::string ImageSetPath(std::string_view datastore_id, std::string_view image_set_id,
                         std::string_view operation) {
  return "/datastore/" + EncodeComponent(datastore_id) + "/imageSet/" +
         EncodeComponent(image_set_id) + "/" + std::string(operation);
}

// Plain JSON from a metadata body: gunzips gzip (by its magic bytes: Content-Encoding lies
// after a browser or proxy decompressed), keeps JSON, rejects anything else.
Result<Bytes> MetadataAsJson(Bytes body, std::string_view content_encoding, size_t max_output,
                             const std::string& what) {
  if (body.size() >= 2 && body[0] == std::byte{0x1f} && body[1] == std::byte{0x8b}) {
    Result<Bytes> plain = GzipDecompress(body, max_output);
    if (plain.ok()) return plain;
    if (plain.status().code() == StatusCode::kResourceExhausted) {
      return ResourceExhausted(what + ": " + plain.status().message());
    }
    return DataLoss(what + ": the gzip body is corrupt: " + plain.status().message());
  }
  size_t i = 0;
  if (body.size() >= 3 && body[0] == std::byte{0xef} && body[1] == std::byte{0xbb} &&
      body[2] == std::byte{0xbf}) {
    i = 3;  // UTF-8 byte order mark
  }
  while (i < body.size() && (body[i] == std::byte{' '} || body[i] == std::byte{'\n'} ||
                             body[i] == std::byte{'\r'} || body[i] == std::byte{'\t'})) {
    ++i;
  }
  if (i < body.size() && body[i] == std::byte{'{'}) return body;
  if (content_encoding.find("gzip") != std::string_view::npos) {
    return DataLoss(what + ": Content-Encoding is gzip but the body is neither gzip nor JSON");
  }
  return DataLoss(what + ": the body is neither gzip nor a JSON object (" +
                  std::to_string(body.size()) + " bytes)");
}

}  // namespace

AhiClient::AhiClient(std::unique_ptr<internal::Transport> transport)
    : transport_(std::move(transport)) {}
AhiClient::~AhiClient() = default;

Result<std::unique_ptr<AhiClient>> AhiClient::Create(ClientConfig config) {
  OPENHI_ASSIGN_OR_RETURN(auto transport, internal::Transport::Create(std::move(config)));
  return std::unique_ptr<AhiClient>(new AhiClient(std::move(transport)));
}

const ClientConfig& AhiClient::config() const { return transport_->config(); }

ClientStats AhiClient::Stats() const {
  const internal::TransportCounters& c = transport_->counters();
  ClientStats s;
  s.requests = c.requests.load(std::memory_order_relaxed);
  s.retries = c.retries.load(std::memory_order_relaxed);
  s.connections_opened = c.connections_opened.load(std::memory_order_relaxed);
  s.bytes_received = c.bytes_received.load(std::memory_order_relaxed);
  return s;
}

Result<Bytes> AhiClient::GetImageSetMetadata(std::string_view datastore_id,
                                             std::string_view image_set_id,
                                             std::optional<std::string> version_id,
                                             const CancellationToken* cancel) {
  OPENHI_RETURN_IF_ERROR(CheckId("datastore ID", datastore_id));
  OPENHI_RETURN_IF_ERROR(CheckId("image set ID", image_set_id));
  HttpCall call;
  call.method = "POST";
  call.path_and_query = ImageSetPath(datastore_id, image_set_id, "getImageSetMetadata");
  if (version_id) {
    OPENHI_RETURN_IF_ERROR(CheckId("version ID", *version_id));
    call.path_and_query += "?version=" + EncodeComponent(*version_id);
  }
  call.label = "GetImageSetMetadata datastore=" + std::string(datastore_id) +
               " imageSet=" + std::string(image_set_id) +
               (version_id ? " version=" + *version_id : std::string());
  HttpResult result;
  OPENHI_RETURN_IF_ERROR(transport_->Run(
      std::span<const HttpCall>(&call, 1),
      [&result](size_t, HttpResult r) {
        result = std::move(r);
        return Status::Ok();
      },
      cancel));
  return MetadataAsJson(std::move(result.body), result.content_encoding,
                        config().max_response_bytes, call.label);
}

Result<std::string> AhiClient::CallJson(std::string_view method, std::string_view path_and_query,
                                        std::string_view json_body,
                                        const CancellationToken* cancel) {
  HttpCall call;
  call.method = std::string(method);
  call.path_and_query = std::string(path_and_query);
  call.body = std::string(json_body);
  call.label = call.method + " " + call.path_and_query;
  std::string out;
  OPENHI_RETURN_IF_ERROR(transport_->Run(
      std::span<const HttpCall>(&call, 1),
      [&out](size_t, HttpResult r) {
        out.assign(reinterpret_cast<const char*>(r.body.data()), r.body.size());
        return Status::Ok();
      },
      cancel));
  return out;
}

Status AhiClient::GetImageFrames(std::string_view datastore_id, std::string_view image_set_id,
                                 std::span<const std::string> frame_ids,
                                 const FrameCallback& on_frame, const CancellationToken* cancel) {
  OPENHI_RETURN_IF_ERROR(CheckId("datastore ID", datastore_id));
  OPENHI_RETURN_IF_ERROR(CheckId("image set ID", image_set_id));
  const std::string path = ImageSetPath(datastore_id, image_set_id, "getImageFrame");
  const std::string where =
      " (datastore " + std::string(datastore_id) + ", image set " + std::string(image_set_id) + ")";
  std::vector<HttpCall> calls(frame_ids.size());
  for (size_t i = 0; i < frame_ids.size(); ++i) {
    OPENHI_RETURN_IF_ERROR(CheckId("image frame ID", frame_ids[i]));
    calls[i].method = "POST";
    calls[i].path_and_query = path;
    calls[i].body = nlohmann::json{{"imageFrameId", frame_ids[i]}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    calls[i].label = "GetImageFrame imageFrameId=" + frame_ids[i] + where;
  }
  return transport_->Run(
      calls,
      [&on_frame](size_t index, HttpResult r) {
        return on_frame(index, std::move(r.body), r.content_type);
      },
      cancel);
}

}  // namespace openhi::client
