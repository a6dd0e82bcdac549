#pragma once
// Throwaway S3 servers on 127.0.0.1 for tests (test-only code, linked into objstore_test):
//   moto     `python3 -m moto.server` (python3 on PATH); accepts any signature.
//   radosgw  ../shared/tools/s3-radosgw-start (Ceph mon + memstore OSD + radosgw); verifies
//            SigV4. Needs the Debian packages radosgw ceph-mon ceph-osd uuid-runtime.
// Ports are picked at random in 20000-32000 (below the ephemeral range); a start that loses a
// port race is retried on other ports (3 tries). Every wait is bounded: Start* fails with
// kUnavailable (carrying the log tail) rather than hang.
// The destructor stops what was started (SIGTERM, SIGKILL after a bounded wait) and removes its
// files. Not thread-safe; one owner.
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "openhi/core/status.h"
#include "openhi/objstore/s3_store.h"

namespace openhi::objstore::internal {

class TestS3Server {
 public:
  static Result<std::unique_ptr<TestS3Server>> StartMoto();
  // `script` is the path of s3-radosgw-start.
  static Result<std::unique_ptr<TestS3Server>> StartRadosgw(const std::string& script);
  ~TestS3Server();
  TestS3Server(const TestS3Server&) = delete;
  TestS3Server& operator=(const TestS3Server&) = delete;

  // Endpoint and working credentials.
  const S3Config& config() const { return config_; }
  double startup_seconds() const { return startup_seconds_; }

 private:
  TestS3Server() = default;
  static Result<std::unique_ptr<TestS3Server>> StartMotoOnce();
  static Result<std::unique_ptr<TestS3Server>> StartRadosgwOnce(const std::string& script);
  void Stop();

  S3Config config_;
  double startup_seconds_ = 0;
  pid_t child_group_ = 0;          // moto: our child, leader of its own process group
  std::vector<pid_t> daemons_;     // radosgw: daemons the script started (not our children)
  std::vector<std::string> dirs_;  // removed on stop
};

// A TCP port on 127.0.0.1 that was free a moment ago.
Result<int> FreeLoopbackPort();

}  // namespace openhi::objstore::internal
