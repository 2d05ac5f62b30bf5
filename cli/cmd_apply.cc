// `berthctl apply -f FILE`: creates or replaces the app a JSON file (or stdin) defines.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cli/api_call.h"

namespace berth::cli {
namespace {

using nlohmann::json;

// The whole of FILE, or of ctx.in for "-"; nullopt after saying why it could not be read.
std::optional<std::string> read_input(Context& ctx, const std::string& file) {
  std::ostringstream text;
  if (file == "-") {
    text << ctx.in.rdbuf();
    return text.str();
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    ctx.err << "berthctl: cannot read " << file << ": " << std::strerror(errno) << '\n';
    return std::nullopt;
  }
  text << in.rdbuf();
  return text.str();
}

// The app definition in `text` (comments allowed, as in apps.d files); nullopt after saying
// what is wrong with it.
std::optional<json> parse_definition(Context& ctx, const std::string& file,
                                     const std::string& text) {
  std::string where = file == "-" ? "stdin" : file;
  json app;
  try {
    app = json::parse(text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::parse_error& error) {
    ctx.err << "berthctl: " << where << " is not valid JSON: " << error.what() << '\n';
    return std::nullopt;
  }
  auto name = app.is_object() ? app.find("name") : app.end();
  if (!app.is_object() || name == app.end() || !name->is_string() ||
      name->get<std::string>().empty()) {
    ctx.err << "berthctl: " << where << " must hold a JSON object with a \"name\"\n";
    return std::nullopt;
  }
  return app;
}

ExitCode run_apply(Context& ctx, const ParsedArgs& args) {
  std::optional<std::string> file = args.value("file");
  if (!file) {
    ctx.err << "berthctl: apply needs -f FILE (or -f - for stdin)\n"
            << "usage: berthctl apply -f FILE\n";
    return ExitCode::kUsage;
  }
  std::optional<std::string> text = read_input(ctx, *file);
  if (!text) return ExitCode::kFailure;
  std::optional<json> app = parse_definition(ctx, *file, *text);
  if (!app) return ExitCode::kFailure;
  std::string name = (*app)["name"].get<std::string>();
  Reply reply = call(ctx, "PUT", app_path(name), app->dump());
  if (!reply.ok()) return reply.exit;
  ctx.out << (reply.response.status == 201 ? "created " : "replaced ") << name << '\n';
  return ExitCode::kOk;
}

}  // namespace

extern const Command kApplyCommand = {
    .name = "apply",
    .arguments = "-f FILE",
    .summary = "create or replace the app in FILE (-: stdin)",
    .flags = {{.name = "file", .short_name = 'f', .takes_value = true}},
    .run = run_apply,
};

}  // namespace berth::cli
