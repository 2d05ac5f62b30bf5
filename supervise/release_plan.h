// Release plans: how a deployed release is installed and started, decided from its files.
// Pure decisions: these functions only read the release's tree; running the steps is the caller's.
#pragma once

#include <string>
#include <vector>

#include "supervise/process_spec.h"

namespace berth {

// One command of an install, run with the release's working directory as its cwd.
struct InstallStep {
  // argv[0] is a program name resolved against PATH ("python3", "npm", ...), except the
  // venv's pip, which is an absolute path.
  std::vector<std::string> argv;
  std::string what;  // for the deployment log, e.g. "npm ci (package-lock.json)"
  bool operator==(const InstallStep&) const = default;
};

struct InstallPlan {
  std::vector<InstallStep> steps;  // in order; empty: nothing to install
  // Absolute directories to put first on PATH, in this order, for the steps and for the app
  // itself: <workdir>/.venv/bin, then <workdir>/node_modules/.bin.
  std::vector<std::string> path_dirs;
};

// How to start the app of a release.
struct StartPlan {
  std::vector<std::string> argv;
  bool shell = false;  // argv is {"/bin/sh", "-c", script}
  std::string text;    // the command as a person would type it, for the status
  std::string reason;  // why this command: "command", "server.js found", ...
};

// The install of the release whose app runs in `workdir` (release dir + subdir).
//
// Mode kAuto, from the files present (Python first, then Node; a project with both gets both):
//   requirements.txt            python3 -m venv .venv
//                               <workdir>/.venv/bin/pip install --disable-pip-version-check
//                                 --no-input -r requirements.txt
//   else pyproject.toml or      python3 -m venv .venv
//        setup.py               <workdir>/.venv/bin/pip install --disable-pip-version-check
//                                 --no-input .
//   pnpm-lock.yaml              pnpm install --frozen-lockfile FLAGS   (FLAGS: --prod)
//   else yarn.lock              yarn install --frozen-lockfile FLAGS   (FLAGS: --production)
//   else package-lock.json      npm ci FLAGS       (FLAGS: --omit=dev --no-audit --no-fund)
//   else package.json           npm install FLAGS  (FLAGS: --omit=dev --no-audit --no-fund)
// When install.options is set, its words replace FLAGS (all of them; an empty list leaves
// none); --frozen-lockfile is not part of FLAGS and stays. Python steps take no options.
// Mode kNone: no steps. Mode kCommand: one step, install.command, what "install command".
//
// path_dirs, in every mode: <workdir>/.venv/bin when a venv step is planned or .venv/bin is
// already a directory; <workdir>/node_modules/.bin when a Node step is planned or node_modules
// is already a directory. For kCommand that is what exists before the command runs: plan
// again afterwards to see what it created.
//
// A name counts only as the kind it must be (a directory called package.json is no
// package.json), and a symlink counts only when it resolves inside workdir. A relative
// workdir is made absolute against the current directory.
InstallPlan PlanInstall(const std::string& workdir, const InstallSpec& install);

// The start command of the process app running in `workdir`, first match wins:
//   process.command non-empty   process.command as given                 reason "command"
//   server.js                   node server.js                           "server.js found"
//   index.js                    node index.js                            "index.js found"
//   package.json with a         npm start                                "package.json has a
//     non-empty scripts.start                                             start script"
//   app.py                      /bin/sh -c 'exec uvicorn app:app --host
//                                 "${HOST:-127.0.0.1}" --port            "app.py found"
//                                 "${PORT:-8000}"'
//   anything else               /bin/sh -c 'exec python3 -m http.server "${PORT:-8000}"
//                                 --bind "${HOST:-127.0.0.1}"'           "no start command
//                                                                         found: serving the
//                                                                         files"
// A package.json that does not parse, or is over 4 MiB, has no start script. Files are
// judged as in PlanInstall. Never throws.
StartPlan PlanStart(const std::string& workdir, const ProcessSpec& process);

}  // namespace berth
