#pragma once
// S3Store: an ObjectStore over one bucket of an S3-compatible server (AWS S3, Ceph radosgw, MinIO,
// moto), spoken with path-style URLs (endpoint/bucket/key) and SigV4-signed requests.
//
// Key "a/b" is object "a/b" of the bucket; Uri("a/b") is "s3://bucket/a/b". Put is one
// single-part PUT, durable when S3 answers 200, so Sync() is a no-op. List hides "directory
// marker" objects (keys ending in '/'), as FileStore lists only files.
//
// Errors (every operation):
//   kInvalidArgument    a key that fails ValidateKey, or S3 rejected the request (400)
//   kNotFound           missing key (NoSuchKey / 404), or missing bucket (NoSuchBucket)
//   kPermissionDenied   403 (bad credentials, bad signature, policy); the message carries the S3
//                       error code and message
//   kResourceExhausted  an object larger than S3Config::max_object_bytes
//   kUnavailable        5xx / SlowDown / connection failures, after S3Config::max_attempts tries
//                       with exponential backoff; the caller may retry later
//   kInternal           an unexpected answer (unparsable XML, unknown status)
//
// Thread safety: a store is safe for concurrent use; it keeps a small pool of keep-alive
// connections, so N threads use up to N connections. The default configuration
// (SetDefaultS3Config) is process-wide, guarded by a mutex.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "openhi/core/status.h"
#include "openhi/objstore/object_store.h"

namespace openhi::objstore {

struct S3Config {
  // scheme://host[:port], e.g. "http://127.0.0.1:9000"; a trailing '/' is ignored.
  std::string endpoint;
  std::string region = "us-east-1";
  // Empty access_key_id: requests go unsigned (anonymous access to public buckets).
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // optional (temporary credentials); sent as x-amz-security-token

  // Objects larger than this are refused (Put) or not downloaded (Get): kResourceExhausted.
  // 5 GiB is the S3 limit of one PUT.
  uint64_t max_object_bytes = uint64_t{5} << 30;
  // Tries per request for retryable failures (5xx, 429, connection errors). >= 1.
  int max_attempts = 4;
  // Backoff before try n+1 is initial_backoff * 2^(n-1), with jitter, capped at 5 s.
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds connect_timeout{5000};
  // A transfer that moves less than 1 byte/s for this long is aborted (then retried).
  std::chrono::seconds stall_timeout{30};
  // Idle keep-alive connections kept for reuse; more concurrent requests open more.
  int max_idle_connections = 16;

  // `endpoint` plus credentials and region from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
  // AWS_SESSION_TOKEN and AWS_REGION (else AWS_DEFAULT_REGION, else "us-east-1").
  // Reads the environment: do not call while another thread may setenv.
  static S3Config FromEnvironment(std::string endpoint);
};

// kInvalidArgument unless `bucket` is 3-63 characters of lower-case letters, digits, '.' and '-',
// starts and ends with a letter or digit, has no "..", and is not an IPv4 address.
Status ValidateBucketName(std::string_view bucket);

// kInvalidArgument for an endpoint that is not http(s)://host[:port], an empty region, a secret
// without an access key (or the reverse), control characters in credentials, or limits out of
// range.
Status ValidateS3Config(const S3Config& config);

// A store over `bucket`. Nothing is sent until the first operation: a missing bucket shows up as
// kNotFound then. Fails with kInvalidArgument for a bad config or bucket name.
Result<std::unique_ptr<ObjectStore>> NewS3Store(const S3Config& config, std::string bucket);

// Creates `bucket` (PUT /bucket). OK when it already exists and is ours. For tests and demos.
Status CreateS3Bucket(const S3Config& config, std::string_view bucket);

// Sets the configuration OpenLocation uses for s3:// URIs (the CLI's and server's
// --s3-endpoint). Meant to be called once at startup, before any OpenLocation; later calls
// replace it for locations opened afterwards (open stores keep their config). Thread-safe
// (guarded by a mutex). It is not validated here: call ValidateS3Config first to fail fast;
// otherwise OpenLocation fails with its kInvalidArgument.
void SetDefaultS3Config(S3Config config);
// Forgets the default, so s3:// URIs fail with kUnimplemented again. Thread-safe.
void ClearDefaultS3Config();

// OpenLocation for "s3://bucket[/prefix[/]]": the store is rooted at the bucket, the location's
// prefix is "prefix/" ("" for the whole bucket) and its uri "s3://bucket/prefix/".
// kUnimplemented when no default configuration is set; kInvalidArgument for a bad default
// configuration, bucket name or prefix.
Result<Location> OpenS3Location(std::string_view uri);

}  // namespace openhi::objstore
