// The tarball job of berth-fetch: download, verify the sha256 when one is given, extract.
#pragma once

#include "base/status.h"
#include "supervise/fetch/fetch_job.h"
#include "supervise/fetch/output.h"

namespace berth {

// REQUIRES: job.op is kTarball. The result's revision is the sha256 of the downloaded bytes.
Result<FetchResult> RunTarballJob(const FetchJob& job, Output& output);

}  // namespace berth
