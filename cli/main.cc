// berthctl: the command-line client of berthd's HTTP API. main() wires the real world (argv,
// the standard streams, the environment, libcurl, the clock) to run_berthctl.
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "cli/curl_client.h"
#include "cli/curl_handles.h"
#include "cli/dispatch.h"

int main(int argc, char** argv) {
  using berth::cli::Client;
  using berth::cli::CurlClient;
  using berth::cli::Endpoint;

  berth::cli::CurlGlobal curl;
  std::vector<std::string> args(argv + 1, argv + argc);
  berth::cli::Io io{std::cin, std::cout, std::cerr, isatty(STDIN_FILENO) == 1};
  auto make_client = [](const Endpoint& endpoint) -> std::unique_ptr<Client> {
    return std::make_unique<CurlClient>(endpoint);
  };
  berth::cli::ExitCode code = berth::cli::run_berthctl(
      args, io, berth::cli::process_env(), make_client, std::chrono::system_clock::now());
  std::cout.flush();
  return static_cast<int>(code);
}
