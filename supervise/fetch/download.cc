// libcurl download with size and speed limits, progress lines and a running SHA-256.
#include "supervise/fetch/download.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "base/hex.h"
#include "supervise/fetch/source_url.h"

namespace berth {
namespace {

struct CurlEasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;

struct DigestDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using DigestPtr = std::unique_ptr<EVP_MD_CTX, DigestDeleter>;

// What the write and progress callbacks of one transfer share.
struct Transfer {
  int fd = -1;
  EVP_MD_CTX* digest = nullptr;
  uint64_t received = 0;
  uint64_t max_bytes = 0;
  bool too_large = false;
  int write_errno = 0;
  Output* output = nullptr;
  ProgressThrottle throttle;
};

size_t WriteBody(char* data, size_t size, size_t count, void* payload) {
  auto* transfer = static_cast<Transfer*>(payload);
  size_t length = size * count;
  if (transfer->received + length > transfer->max_bytes) {
    transfer->too_large = true;
    return 0;
  }
  EVP_DigestUpdate(transfer->digest, data, length);
  for (size_t done = 0; done < length;) {
    ssize_t n = write(transfer->fd, data + done, length - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      transfer->write_errno = errno;
      return 0;
    }
    done += static_cast<size_t>(n);
  }
  transfer->received += length;
  return length;
}

int ReportProgress(void* payload, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(payload);
  if (now <= 0 || !transfer->throttle.ShouldReport(now, total)) return 0;
  std::string line = "downloaded " + FormatBytes(now);
  if (total > 0) {
    line += " of " + FormatBytes(total) + " (" + std::to_string(now * 100 / total) + "%)";
  }
  transfer->output->Progress(line);
  return 0;
}

void Configure(CURL* curl, const std::string& url, const DownloadLimits& limits, Transfer* transfer,
               char* error_buffer) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https,file");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, limits.connect_timeout_s);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, limits.low_speed_bytes);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, limits.low_speed_time_s);
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits.max_bytes));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "berth-fetch/" BERTH_VERSION);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, transfer);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, ReportProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, transfer);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
}

Status TransferFailure(CURL* curl, CURLcode code, const Transfer& transfer,
                       const std::string& shown, const char* error_buffer,
                       const DownloadLimits& limits) {
  if (transfer.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    return Status::Invalid(shown + " is larger than " + FormatBytes(limits.max_bytes) +
                           ", the most berth downloads");
  }
  if (transfer.write_errno != 0) {
    return Status::IOError("cannot store the download of " + shown + ": " +
                           std::strerror(transfer.write_errno));
  }
  long http_status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
  if (code == CURLE_HTTP_RETURNED_ERROR) {
    return Status::Unavailable(shown + " answered HTTP " + std::to_string(http_status));
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return Status::Unavailable("download of " + shown + " timed out: " + error_buffer);
  }
  std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
  return Status::Unavailable("cannot download " + shown + ": " + detail);
}

}  // namespace

Result<Download> DownloadToFile(const std::string& url, int fd, Output& output,
                                const DownloadLimits& limits) {
  const std::string shown = DisplayUrl(url);
  CurlEasyPtr curl(curl_easy_init());
  DigestPtr digest(EVP_MD_CTX_new());
  if (!curl || !digest || EVP_DigestInit_ex(digest.get(), EVP_sha256(), nullptr) != 1) {
    return Status::Internal("cannot set up a download");
  }
  Transfer transfer;
  transfer.fd = fd;
  transfer.digest = digest.get();
  transfer.max_bytes = limits.max_bytes;
  transfer.output = &output;
  char error_buffer[CURL_ERROR_SIZE] = {};
  Configure(curl.get(), url, limits, &transfer, error_buffer);
  output.Progress("downloading " + shown);
  CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) {
    return TransferFailure(curl.get(), code, transfer, shown, error_buffer, limits);
  }
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int hash_size = 0;
  EVP_DigestFinal_ex(digest.get(), hash, &hash_size);
  Download download;
  download.size = transfer.received;
  download.sha256 = HexEncode(std::string_view(reinterpret_cast<char*>(hash), hash_size));
  output.Progress("downloaded " + FormatBytes(download.size) + ", sha256 " + download.sha256);
  return download;
}

}  // namespace berth
