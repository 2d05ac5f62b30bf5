// Black-box tests of berth-fetch's git jobs against real repositories made with git: a bare
// "origin" and a working clone that commits and pushes to it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "fetch_harness.h"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class GitFetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Git(root_.path(), {"init", "-q", "--bare", "-b", "main", "origin.git"});
    Git(root_.path(), {"clone", "-q", origin(), "work"});
    WriteFile(work("README"), "first\n");
    WriteFile(work("bin/start.sh"), "#!/bin/sh\necho start\n");
    chmod(work("bin/start.sh").c_str(), 0755);
    fs::create_symlink("README", work("readme.link"));
    first_ = Commit("first");
    Git(work(), {"tag", "-a", "-m", "release 1", "v1"});
    Git(work(), {"tag", "light"});
    Git(work(), {"checkout", "-q", "-b", "dev"});
    WriteFile(work("dev.txt"), "dev only\n");
    dev_ = Commit("dev work");
    Git(work(), {"checkout", "-q", "main"});
    Git(work(), {"push", "-q", "origin", "main", "dev", "v1", "light"});
    fs::create_directories(app());
  }

  std::string origin() const { return root_ / "origin.git"; }
  std::string url() const { return "file://" + origin(); }
  std::string work(const std::string& name = "") const {
    return root_ / ("work" + (name.empty() ? "" : "/" + name));
  }
  std::string app(const std::string& name = "") const {
    return root_ / ("app" + (name.empty() ? "" : "/" + name));
  }
  std::string Commit(const std::string& message) {
    Git(work(), {"add", "-A"});
    Git(work(), {"commit", "-q", "-m", message});
    return Git(work(), {"rev-parse", "HEAD"});
  }
  json Job(const std::string& ref, const std::string& dest) const {
    json job = {{"op", "git"}, {"url", url()}, {"repo_dir", "repo.git"}, {"dest_dir", dest}};
    if (!ref.empty()) job["ref"] = ref;
    return job;
  }

  TempDir root_;
  std::string first_;
  std::string dev_;
};

TEST_F(GitFetchTest, ChecksOutTheDefaultBranch) {
  ProcessResult run = RunFetch(Job("", "releases/1"), app());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.Result(), json({{"revision", first_}, {"ref", "main"}}));
  EXPECT_NE(run.out.find("fetching " + url() + " (default branch)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("checked out " + first_.substr(0, 7) + " (main) into releases/1"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(ReadFile(app("releases/1/README")), "first\n");
  EXPECT_NE(fs::status(app("releases/1/bin/start.sh")).permissions() & fs::perms::owner_exec,
            fs::perms::none);
  EXPECT_EQ(fs::read_symlink(app("releases/1/readme.link")), "README");
  EXPECT_FALSE(fs::exists(app("releases/1/dev.txt")));
  EXPECT_FALSE(fs::exists(app("releases/1/.git")));
  EXPECT_TRUE(fs::exists(app("repo.git/objects")));
  EXPECT_TRUE(run.err.empty()) << run.err;
}

TEST_F(GitFetchTest, ChecksOutABranch) {
  ProcessResult run = RunFetch(Job("dev", "releases/1"), app());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.Result(), json({{"revision", dev_}, {"ref", "dev"}}));
  EXPECT_EQ(ReadFile(app("releases/1/dev.txt")), "dev only\n");
}

TEST_F(GitFetchTest, ChecksOutAnnotatedAndLightweightTags) {
  for (const char* tag : {"v1", "light", "refs/tags/v1"}) {
    std::string dest = std::string("releases/") + (tag[0] == 'r' ? "full" : tag);
    ProcessResult run = RunFetch(Job(tag, dest), app());
    ASSERT_EQ(run.exit_code, 0) << tag << ": " << run.err;
    EXPECT_EQ(run.Result()["revision"], first_) << tag;
    EXPECT_EQ(ReadFile(app(dest + "/README")), "first\n");
  }
}

TEST_F(GitFetchTest, ChecksOutACommitByFullOrShortSha) {
  ProcessResult full = RunFetch(Job(dev_, "releases/full"), app());
  ASSERT_EQ(full.exit_code, 0) << full.err;
  EXPECT_EQ(full.Result(), json({{"revision", dev_}, {"ref", dev_}}));
  ProcessResult short_sha = RunFetch(Job(dev_.substr(0, 8), "releases/short"), app());
  ASSERT_EQ(short_sha.exit_code, 0) << short_sha.err;
  EXPECT_EQ(short_sha.Result()["revision"], dev_);
  EXPECT_TRUE(fs::exists(app("releases/short/dev.txt")));
}

TEST_F(GitFetchTest, ASecondRunFetchesTheNewCommit) {
  ProcessResult first = RunFetch(Job("main", "releases/1"), app());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  WriteFile(work("README"), "second\n");
  std::string second = Commit("second");
  Git(work(), {"push", "-q", "origin", "main"});

  ProcessResult resolve = RunFetch(
      {{"op", "git-resolve"}, {"url", url()}, {"ref", "main"}, {"repo_dir", "repo.git"}}, app());
  ASSERT_EQ(resolve.exit_code, 0) << resolve.err;
  EXPECT_EQ(resolve.Result(), json({{"revision", second}, {"ref", "main"}}));
  EXPECT_FALSE(fs::exists(app("releases/2")));

  ProcessResult again = RunFetch(Job("main", "releases/2"), app());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.Result()["revision"], second);
  EXPECT_EQ(ReadFile(app("releases/2/README")), "second\n");
  EXPECT_EQ(ReadFile(app("releases/1/README")), "first\n");
}

// A poll asks the remote without fetching: the answer follows pushes, and nothing is written.
TEST_F(GitFetchTest, LsRemoteNamesTheRefsCommitAndWritesNothing) {
  auto ls_remote = [&](const std::string& ref) {
    json job = {{"op", "git-ls-remote"}, {"url", url()}};
    if (!ref.empty()) job["ref"] = ref;
    return RunFetch(job, app());
  };
  EXPECT_EQ(ls_remote("").Result(), json({{"revision", first_}, {"ref", "main"}}));
  EXPECT_EQ(ls_remote("dev").Result(), json({{"revision", dev_}, {"ref", "dev"}}));
  EXPECT_EQ(ls_remote("v1").Result()["revision"], first_);  // the annotated tag, peeled
  EXPECT_EQ(ls_remote("light").Result()["revision"], first_);
  EXPECT_EQ(ls_remote(dev_).Result()["revision"], dev_);
  WriteFile(work("README"), "second\n");
  std::string second = Commit("second");
  Git(work(), {"push", "-q", "origin", "main"});
  EXPECT_EQ(ls_remote("main").Result(), json({{"revision", second}, {"ref", "main"}}));
  ProcessResult unknown = ls_remote("nope");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.LastErrorLine(),
            "error: ref 'nope' is not on " + url() + ": it has dev, main, light, v1");
  EXPECT_TRUE(fs::is_empty(app()));
}

TEST_F(GitFetchTest, AnUnknownRefListsBranchesAndTags) {
  ProcessResult run = RunFetch(Job("nope", "releases/1"), app());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.LastErrorLine(), "error: ref 'nope' not found in " + url() +
                                     ": branches are dev, main; tags are light, v1");
  EXPECT_EQ(run.Result(), nullptr);
  EXPECT_FALSE(fs::exists(app("releases/1")));
}

TEST_F(GitFetchTest, ABadUrlFails) {
  json job = Job("", "releases/1");
  job["url"] = "file://" + (root_ / "missing.git");
  ProcessResult run = RunFetch(job, app());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.LastErrorLine().rfind("error: cannot fetch file://" + (root_ / "missing.git"), 0),
            0u)
      << run.err;
  EXPECT_FALSE(fs::exists(app("releases/1")));
}

TEST_F(GitFetchTest, ANonEmptyDestDirIsRefused) {
  WriteFile(app("releases/1/keep"), "mine");
  ProcessResult run = RunFetch(Job("", "releases/1"), app());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.LastErrorLine(), "error: dest_dir 'releases/1' is not empty");
  EXPECT_EQ(ReadFile(app("releases/1/keep")), "mine");
}

TEST_F(GitFetchTest, TheTokenIsNeverWrittenOrPrinted) {
  const std::string token = "tok-4f9b2c-SECRET";
  json job = Job("main", "releases/1");
  job["username"] = "deploy";
  job["token"] = token;
  ProcessResult run = RunFetch(job, app());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.find(token), std::string::npos);
  EXPECT_EQ(run.err.find(token), std::string::npos);
  EXPECT_FALSE(TreeContains(app(), token));
}

TEST_F(GitFetchTest, AuthenticationFailureNamesTheUrlAndHidesTheToken) {
  HttpServer server;
  server.RequireBasicAuth("deploy", "right-token");
  const std::string token = "wrong-token-7c1d";
  json job = {{"op", "git"},    {"url", server.Url("/repo.git")}, {"username", "deploy"},
              {"token", token}, {"repo_dir", "repo.git"},         {"dest_dir", "releases/1"}};
  ProcessResult run = RunFetch(job, app());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.LastErrorLine(), "error: authentication failed for " + server.Url("/repo.git") +
                                     ": the server refused the username and token");
  // The credentials went to the server through the callback, and nowhere else.
  std::vector<std::string> sent = server.AuthorizationHeaders();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.front(), "Basic ZGVwbG95Ondyb25nLXRva2VuLTdjMWQ=");  // deploy:wrong-token-7c1d
  EXPECT_EQ(run.out.find(token), std::string::npos);
  EXPECT_EQ(run.err.find(token), std::string::npos);
  EXPECT_FALSE(TreeContains(app(), token));
  EXPECT_EQ(ReadFile(app("repo.git/config")).find("deploy"), std::string::npos);
}

TEST_F(GitFetchTest, UserinfoInTheUrlBecomesCredentialsAndIsNotStored) {
  HttpServer server;
  server.RequireBasicAuth("someone", "s3cret");
  std::string plain = server.Url("/repo.git");
  json job = {{"op", "git-resolve"},
              {"url", "http://ann:pa55word-in-url@" + plain.substr(7)},
              {"repo_dir", "repo.git"}};
  ProcessResult run = RunFetch(job, app());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.LastErrorLine(), "error: authentication failed for " + plain +
                                     ": the server refused the username and token");
  ASSERT_FALSE(server.AuthorizationHeaders().empty());
  EXPECT_EQ(server.AuthorizationHeaders().front(), "Basic YW5uOnBhNTV3b3JkLWluLXVybA==");
  EXPECT_EQ((run.out + run.err).find("pa55word"), std::string::npos);
  EXPECT_FALSE(TreeContains(app(), "pa55word"));
  EXPECT_NE(ReadFile(app("repo.git/config")).find("url = " + plain), std::string::npos);
}

TEST_F(GitFetchTest, AServerWantingCredentialsGetsAnActionableError) {
  HttpServer server;
  server.RequireBasicAuth("someone", "s3cret");
  json job = {{"op", "git-resolve"}, {"url", server.Url("/repo.git")}, {"repo_dir", "repo.git"}};
  ProcessResult run = RunFetch(job, app());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.LastErrorLine(), "error: authentication failed for " + server.Url("/repo.git") +
                                     ": the repository needs a username and token");
}

TEST_F(GitFetchTest, AnInvalidJobExitsWithTwo) {
  ProcessResult run = RunProcess({BERTH_FETCH_PATH}, app(), R"({"op":"git","url":"x"})");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.LastErrorLine(), "error: a git job needs repo_dir");
  ProcessResult garbage = RunProcess({BERTH_FETCH_PATH}, app(), "not json");
  EXPECT_EQ(garbage.exit_code, 2);
  EXPECT_EQ(garbage.LastErrorLine(), "error: the job on stdin must be one JSON object");
}

// libgit2's start parses the system's CA bundle; berth-fetch lets it only when the URL may need
// TLS. strace shows the bundle untouched for file:// and opened for http://.
TEST_F(GitFetchTest, TheCaBundleIsReadOnlyForHttpUrls) {
  auto bundle_touched = [&](const std::string& url) {
    std::string trace = root_ / "trace";
    json job = {{"op", "git-resolve"}, {"url", url}, {"repo_dir", "repo.git"}};
    ProcessResult run = RunProcess({"/usr/bin/env", "ASAN_OPTIONS=detect_leaks=0", "strace", "-f",
                                    "-qq", "-e", "trace=%file", "-o", trace, BERTH_FETCH_PATH},
                                   app(), job.dump());
    EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    std::string calls = ReadFile(trace);
    EXPECT_NE(calls.find("execve("), std::string::npos) << "strace traced nothing: " << run.err;
    return calls.find("/etc/ssl/certs/ca-certificates.crt") != std::string::npos;
  };
  EXPECT_FALSE(bundle_touched(url()));
  EXPECT_TRUE(bundle_touched("http://127.0.0.1:1/nothing-listens-here.git"));
}

// A redeploy's cost is mostly the fetcher's start: the git fetcher must not load the HTTP and
// archive libraries, and the tarball fetcher takes tarball jobs only.
TEST_F(GitFetchTest, TheGitFetcherLoadsNoHttpOrArchiveLibrary) {
  ProcessResult ldd = RunProcess({"ldd", BERTH_FETCH_PATH}, app(), "");
  ASSERT_EQ(ldd.exit_code, 0) << ldd.err;
  EXPECT_NE(ldd.out.find("libgit2"), std::string::npos) << ldd.out;
  EXPECT_EQ(ldd.out.find("libcurl"), std::string::npos) << ldd.out;
  EXPECT_EQ(ldd.out.find("libarchive"), std::string::npos) << ldd.out;
  ProcessResult git_job =
      RunProcess({BERTH_FETCH_TARBALL_PATH}, app(),
                 R"({"op":"git-resolve","url":"file:///nowhere.git","repo_dir":"repo.git"})");
  EXPECT_EQ(git_job.exit_code, 1);
  EXPECT_EQ(git_job.LastErrorLine(),
            "error: berth-fetch-tarball runs tarball jobs only; give git jobs to berth-fetch");
}

}  // namespace
}  // namespace berth::testing
