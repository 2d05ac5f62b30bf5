// ProvisionFromEnvironment: app definitions from container-style environment variables, so one
// berth container can run several projects configured with `docker run -e ...`.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "supervise/app_spec.h"

namespace berth {

struct ProvisionResult {
  std::vector<AppSpec> apps;        // the valid definitions, in the order described below
  std::vector<std::string> errors;  // one sentence per skipped entry or refused setting
};

// Turns `env` into app definitions. Pure: reads nothing but `env`. A bad entry is skipped with
// one error naming it ("SERVICES entry 2 ('https://x|abc'): port 'abc' is not a number from 1 to
// 65535"); the good ones are kept. Variables not named below are ignored. Every value is trimmed
// of surrounding whitespace; an empty value counts as unset.
//
// Three forms, which may be combined; apps come out in this order:
//
// 1. SERVICES='repo|port|ref|name|user|cmd;...'
//    Entries are separated by ';' and numbered from 1, blank entries skipped and not counted.
//    Fields are separated by '|' and trimmed; all but repo are optional (empty: the default).
//    cmd is the sixth field and takes the rest of the entry, '|' included; it cannot hold ';'
//    (use form 2 for such a command).
// 2. SERVICES_COUNT=N (0 to 1000) with SVC_<i>_REPO, _PORT, _REF, _NAME, _USER, _CMD for
//    i = 1..N, the same fields as form 1. A missing SVC_<i>_REPO is an error for that i. Any
//    SVC_<i>_<field> outside 1..N (SVC_0_REPO, SVC_01_REPO, or any without SERVICES_COUNT) is
//    reported and ignored.
//    Fields of forms 1 and 2:
//    - repo: a git URL starting with https://, http://, file:// or git://. Credentials in it
//      (user:token@host) are refused: these forms have no place for a secret.
//    - port: 1 to 65535; none by default.
//    - ref: branch, tag or commit; default the remote's HEAD.
//    - name: default derived from repo: its last path component without ".git", lower-cased,
//      characters outside [a-z0-9-] turned into '-', runs of '-' collapsed, leading non-letters
//      and trailing '-' stripped ("app-" + the digits when no letter is left, "app" when nothing
//      is), cut to 32 characters. "https://h/Acme/My_API.git" -> "my-api",
//      "file:///x/123.git" -> "app-123". A given name must match ^[a-z][a-z0-9-]{0,31}$.
//    - user: default empty (berthd's per-app user); otherwise a valid user name.
//    - cmd: a shell string, run as {"/bin/sh", "-c", cmd}; default chosen from the release.
// 3. Legacy slots SERVICE_A_* then SERVICE_B_*, suffixes REPO REF SUBDIR TARBALL CMD PORT NAME
//    INSTALL_CMD ENABLED, governed by DEFAULT_SERVICES_MODE (auto, always or never; default
//    auto; any other value is an error and both slots are skipped).
//    - auto: a slot is defined when its REPO or TARBALL is set and it is enabled.
//    - always: both slots are defined unless disabled; an enabled slot without REPO or TARBALL
//      is an error.
//    - never: the slots are ignored.
//    ENABLED takes true/1/yes/on or false/0/no/off (any case; unset: enabled); any other value
//    is an error for the slot. REPO gives a git source (REF, SUBDIR); TARBALL a tarball source
//    (SUBDIR; REF is ignored); both at once is an error. Default ports 8080 (A) and 9090 (B),
//    which must differ when both slots are defined (else B is refused); default names
//    "service-a" and "service-b". CMD is the shell command; INSTALL_CMD the install as a shell
//    command (default: detected from the release's files).
//
// Every app is a process with autostart and a source; its port is set when given or defaulted
// (berthd exports PORT itself: no env is added). Each spec goes through AppSpecToJson and
// ParseAppSpec, so everything ParseAppSpec checks applies and its message is reported. A name
// or port already taken by an earlier app (of any form) is an error on the later one.
ProvisionResult ProvisionFromEnvironment(const std::map<std::string, std::string>& env);

}  // namespace berth
