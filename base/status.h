// Status and Result: expected failures as values, with a message a user can act on.
// Lives in base/, below every layer: store, reactor, supervise, handlers and cli all use it.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace berth {

class Status {
 public:
  enum class Code {
    kOk,
    kInvalid,
    kNotFound,
    kConflict,
    kUnavailable,
    kIOError,
    kInternal,
    kUpstream,
    kUnauthenticated,
  };

  Status() = default;
  static Status Ok() { return Status(); }
  // `field` is the JSON path of the offending field, when one field is at fault.
  static Status Invalid(std::string msg, std::string field = "") {
    return Status(Code::kInvalid, std::move(msg), std::move(field));
  }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Conflict(std::string msg, std::string field = "") {
    return Status(Code::kConflict, std::move(msg), std::move(field));
  }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }
  // Another server berthd asked (a registry) answered, but not as it should: refused, or broken.
  static Status Upstream(std::string msg) { return Status(Code::kUpstream, std::move(msg)); }
  // The request did not prove who sent it (a webhook's signature): a 401.
  static Status Unauthenticated(std::string msg) {
    return Status(Code::kUnauthenticated, std::move(msg));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& field() const { return field_; }

 private:
  Status(Code code, std::string msg, std::string field = "")
      : code_(code), message_(std::move(msg)), field_(std::move(field)) {}

  Code code_ = Code::kOk;
  std::string message_;
  std::string field_;
};

// A value or the Status that explains why there is none.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace berth
