// RequestHeadScanner: finds where a request's head (request line and header lines) ends in the
// bytes a client sends, and the Content-Length it declares. It only watches: evhttp parses the
// same bytes. The API's connections use it to time a request's head and body apart and to
// refuse a body too large before it is read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth {

class RequestHeadScanner {
 public:
  // Feeds the next bytes of a request. Once the head's blank line is among them, returns how
  // many of them belong to the head (the rest are body); nullopt while the head goes on.
  // REQUIRES: not called again after the head ended, until Reset().
  std::optional<size_t> Feed(std::string_view bytes);
  // The head's Content-Length, when it has one that is a number (the largest, when it has
  // several) and no Transfer-Encoding, which evhttp would follow instead.
  std::optional<uint64_t> content_length() const {
    return transfer_encoding_ ? std::nullopt : content_length_;
  }
  // Ready for the next request on the connection.
  void Reset();

 private:
  // False when this line ended the head.
  bool EndLine();

  std::string line_;  // the start of the current line: enough for a Content-Length header
  size_t line_length_ = 0;
  size_t lines_ = 0;
  std::optional<uint64_t> content_length_;
  bool transfer_encoding_ = false;
};

}  // namespace berth
