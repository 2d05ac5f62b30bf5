// TcpConnect: one non-blocking TCP connect on the loop (to tell whether something listens), with
// its own socket and event; the connection is closed as soon as it is made.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "reactor/event_loop.h"

namespace berth {

class TcpConnect {
 public:
  // Ok once connected; Unavailable saying why not ("connect to 127.0.0.1:9: Connection
  // refused").
  using DoneFn = std::function<void(Status)>;

  // Starts connecting to `address` ("host:port" with a numeric host, "[v6]:port"). `done` runs
  // once, on a later loop turn, never after the TcpConnect is destroyed; it may destroy it.
  // There is no timeout: the owner destroys it when it waited long enough.
  static std::unique_ptr<TcpConnect> Start(EventLoop* loop, const std::string& address,
                                           DoneFn done);
  ~TcpConnect();
  TcpConnect(const TcpConnect&) = delete;
  TcpConnect& operator=(const TcpConnect&) = delete;

 private:
  TcpConnect(EventLoop* loop, std::string address, DoneFn done);
  void Begin();
  void Finish(Status status);
  static void OnEvent(evutil_socket_t fd, short what, void* self);

  EventLoop* loop_;
  std::string address_;
  DoneFn done_;
  UniqueFd fd_;
  EventPtr event_;
  int error_ = 0;  // errno of a failure before the connect got under way
};

}  // namespace berth
