// SecretBox: AES-256-GCM through OpenSSL's EVP interface, base64 for the stored text, and the
// creation and checks of the key file.
#include "store/secret_box.h"

#include "base/hex.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include "base/base64.h"

namespace berth {
namespace {

constexpr std::string_view kPrefix = "sealed:v1:";
constexpr size_t kNonceBytes = 12;  // GCM's default IV length
constexpr size_t kTagBytes = 16;
// Far above any token, far below the int lengths OpenSSL takes.
constexpr size_t kMaxPlainBytes = size_t{16} << 20;

using Key = std::array<uint8_t, SecretBox::kKeyBytes>;

// Owns a file descriptor.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~UniqueFd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  bool valid() const { return fd_ >= 0; }
  int get() const { return fd_; }
  // Closes now, reporting the error a deferred write may only show here.
  bool Close() { return ::close(std::exchange(fd_, -1)) == 0; }

 private:
  int fd_;
};

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}
unsigned char* Bytes(std::string& text) { return reinterpret_cast<unsigned char*>(text.data()); }

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  if (code == 0) {
    return "unknown error";
  }
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

[[noreturn]] void ThrowOpenSslError(const std::string& what) {
  throw std::runtime_error("OpenSSL " + what + " failed: " + OpenSslError());
}

Status KeyFileError(const std::string& path, const std::string& problem) {
  return Status::IOError("secret key file " + path + ": " + problem);
}

Status KeyFileErrno(const std::string& path, const std::string& operation) {
  return KeyFileError(path, operation + ": " + std::strerror(errno));
}

UniqueFd OpenKeyFile(const std::string& path) {
  return UniqueFd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
}

// Checks what a key file is before trusting it.
Status CheckKeyFile(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return KeyFileErrno(path, "cannot stat it");
  }
  if (!S_ISREG(st.st_mode)) {
    return KeyFileError(path, "not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return KeyFileError(path, std::string("group or others may access it (mode ") + mode +
                                  "); run `chmod 600 " + path + "`");
  }
  if (st.st_size != static_cast<off_t>(SecretBox::kKeyBytes)) {
    return KeyFileError(path, "holds " + std::to_string(st.st_size) + " bytes instead of " +
                                  std::to_string(SecretBox::kKeyBytes) +
                                  "; restore the original key, or delete the file if no secret "
                                  "was ever sealed with it");
  }
  return Status::Ok();
}

Result<Key> ReadKey(int fd, const std::string& path) {
  if (Status s = CheckKeyFile(fd, path); !s.ok()) {
    return s;
  }
  Key key;
  size_t done = 0;
  while (done < key.size()) {
    ssize_t n = ::pread(fd, key.data() + done, key.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return KeyFileErrno(path, "cannot read it");
    }
    if (n == 0) {
      return KeyFileError(path, "shorter than " + std::to_string(key.size()) + " bytes");
    }
    done += static_cast<size_t>(n);
  }
  return key;
}

Status WriteAll(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return Status::IOError(std::strerror(errno));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

// Writes a new random key to `tmp_path`, which must not exist, and syncs it. Errors name `path`.
Status WriteNewKey(const std::string& path, const std::string& tmp_path) {
  UniqueFd fd(::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    return KeyFileErrno(path, "cannot create " + tmp_path);
  }
  Key key;
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    return KeyFileError(path, "no random bytes for a new key: " + OpenSslError());
  }
  Status written = WriteAll(fd.get(), key.data(), key.size());
  OPENSSL_cleanse(key.data(), key.size());
  if (!written.ok()) {
    return KeyFileError(path, "cannot write " + tmp_path + ": " + written.message());
  }
  if (::fsync(fd.get()) != 0 || !fd.Close()) {
    return KeyFileErrno(path, "cannot sync " + tmp_path);
  }
  return Status::Ok();
}

Status SyncDirectory(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  UniqueFd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) {
    return KeyFileErrno(path, "cannot sync its directory");
  }
  return Status::Ok();
}

// Creates the key file complete or not at all: the key is written and synced under a temporary
// name, then linked into place (which never replaces a file another process created first).
Status CreateKeyFile(const std::string& path) {
  std::string tmp_path = path + ".tmp-" + RandomHex(8);
  Status s = WriteNewKey(path, tmp_path);
  if (s.ok() && ::link(tmp_path.c_str(), path.c_str()) != 0 && errno != EEXIST) {
    s = KeyFileErrno(path, "cannot create it");
  }
  ::unlink(tmp_path.c_str());
  if (!s.ok()) {
    return s;
  }
  return SyncDirectory(path);
}

}  // namespace

SecretBox::SecretBox(std::string key_path, const Key& key)
    : key_path_(std::move(key_path)), key_(key) {}

SecretBox::~SecretBox() { OPENSSL_cleanse(key_.data(), key_.size()); }

Result<SecretBox> SecretBox::Open(const std::string& key_path) {
  UniqueFd fd = OpenKeyFile(key_path);
  if (!fd.valid() && errno == ENOENT) {
    if (Status s = CreateKeyFile(key_path); !s.ok()) {
      return s;
    }
    fd = OpenKeyFile(key_path);
  }
  if (!fd.valid()) {
    return errno == ELOOP ? KeyFileError(key_path, "is a symbolic link; it must be a plain file")
                          : KeyFileErrno(key_path, "cannot open it");
  }
  Result<Key> key = ReadKey(fd.get(), key_path);
  if (!key.ok()) {
    return key.status();
  }
  SecretBox box(key_path, *key);
  OPENSSL_cleanse(key->data(), key->size());
  return box;
}

bool SecretBox::IsSealed(std::string_view text) { return text.starts_with(kPrefix); }

std::string SecretBox::Seal(std::string_view plain) const {
  if (plain.size() > kMaxPlainBytes) {
    throw std::length_error("a secret of " + std::to_string(plain.size()) + " bytes is too long");
  }
  std::string raw(kNonceBytes + plain.size() + kTagBytes, '\0');
  unsigned char* nonce = Bytes(raw);
  unsigned char* cipher = nonce + kNonceBytes;
  unsigned char* tag = cipher + plain.size();
  if (RAND_bytes(nonce, kNonceBytes) != 1) {
    ThrowOpenSslError("RAND_bytes");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int length = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &length, Bytes(kPrefix),
                        static_cast<int>(kPrefix.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), cipher, &length, Bytes(plain), static_cast<int>(plain.size())) !=
          1 ||
      EVP_EncryptFinal_ex(ctx.get(), cipher + length, &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) != 1) {
    ThrowOpenSslError("AES-256-GCM encryption");
  }
  return std::string(kPrefix) + Base64Encode(raw);
}

Result<std::string> SecretBox::Unseal(std::string_view sealed) const {
  if (!IsSealed(sealed)) {
    return Status::Invalid("not a sealed secret: expected \"" + std::string(kPrefix) + "...\"");
  }
  std::optional<std::string> raw = Base64Decode(sealed.substr(kPrefix.size()));
  if (!raw) {
    return Status::Invalid("sealed secret is not valid base64");
  }
  if (raw->size() < kNonceBytes + kTagBytes) {
    return Status::Invalid("sealed secret is too short");
  }
  size_t cipher_size = raw->size() - kNonceBytes - kTagBytes;
  unsigned char* nonce = Bytes(*raw);
  unsigned char* cipher = nonce + kNonceBytes;
  unsigned char* tag = cipher + cipher_size;
  std::string plain(cipher_size, '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int length = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &length, Bytes(kPrefix),
                        static_cast<int>(kPrefix.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), Bytes(plain), &length, cipher, static_cast<int>(cipher_size)) !=
          1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) != 1) {
    return Status::Internal("OpenSSL AES-256-GCM decryption failed: " + OpenSslError());
  }
  // The tag is checked here: a mismatch means other bytes or another key.
  if (EVP_DecryptFinal_ex(ctx.get(), Bytes(plain) + length, &length) != 1) {
    ERR_clear_error();
    return Status::IOError(
        "cannot unseal a secret: it was altered or sealed with another key than "
        "the one in " +
        key_path_);
  }
  return plain;
}

}  // namespace berth
