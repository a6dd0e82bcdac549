#pragma once
// gzip (RFC 1952) compression, used for the stored metadata documents. Thread-safe.
#include "openhi/core/bytes.h"
#include "openhi/core/status.h"

namespace openhi {

// Compresses `data` into a gzip member. `level` is zlib's 0..9.
Result<Bytes> GzipCompress(ByteView data, int level = 6);

// Decompresses a gzip member. Fails with kInvalidArgument on corrupt input and
// kResourceExhausted when the output would exceed `max_output` bytes.
Result<Bytes> GzipDecompress(ByteView data, size_t max_output = size_t{1} << 31);

}  // namespace openhi
