#pragma once
// The client's cancellation vocabulary is core's (core/cancellation.h): a call handed a
// CancellationToken checks it at least every ~50 ms while it waits on the network and before
// every callback, then stops all its transfers and returns CancelledError().
#include "openhi/core/cancellation.h"

namespace openhi::client {

using openhi::CancellationToken;
using openhi::CancelledError;
using openhi::IsCancelledError;

}  // namespace openhi::client
