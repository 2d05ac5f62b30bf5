// Black-box tests of berth-fetch's tarball job: archives made with tar or written member by
// member with libarchive, served over file:// and over HTTP from a server in the test.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "fetch_harness.h"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class TarballFetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(root_ / "src/site-1.0/index.html", "<h1>hello</h1>\n");
    WriteFile(root_ / "src/site-1.0/bin/serve", "#!/bin/sh\n");
    chmod((root_ / "src/site-1.0/bin/serve").c_str(), 0755);
    fs::create_symlink("../index.html", root_ / "src/site-1.0/bin/index.link");
    fs::create_directories(root_ / "app");
  }

  // Packs src/ with tar; `flag` picks the compression ("-z", "-j", "-J", or "" for none).
  std::string Tar(const std::string& name, const std::string& flag) {
    std::vector<std::string> argv = {"tar", "-c"};
    if (!flag.empty()) argv.push_back(flag);
    argv.insert(argv.end(), {"-f", root_ / name, "-C", root_ / "src", "site-1.0"});
    ProcessResult run = RunProcess(argv);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return root_ / name;
  }
  json Job(const std::string& url, const std::string& sha256 = "") const {
    json job = {{"op", "tarball"}, {"url", url}, {"dest_dir", "releases/1"}};
    if (!sha256.empty()) job["sha256"] = sha256;
    return job;
  }
  std::string app(const std::string& name = "") const {
    return root_ / ("app" + (name.empty() ? "" : "/" + name));
  }
  void ExpectSiteExtracted() {
    EXPECT_EQ(ReadFile(app("releases/1/site-1.0/index.html")), "<h1>hello</h1>\n");
    EXPECT_NE(
        fs::status(app("releases/1/site-1.0/bin/serve")).permissions() & fs::perms::owner_exec,
        fs::perms::none);
    EXPECT_EQ(fs::read_symlink(app("releases/1/site-1.0/bin/index.link")), "../index.html");
  }
  // Runs a job that must be refused with `error`, leaving nothing behind.
  void ExpectRefused(const std::string& archive, const std::string& error) {
    ProcessResult run = RunFetch(Job("file://" + archive), app());
    EXPECT_EQ(run.exit_code, 1) << run.out;
    EXPECT_EQ(run.LastErrorLine(), "error: " + error);
    EXPECT_FALSE(fs::exists(app("releases/1")));
    EXPECT_FALSE(fs::exists(root_ / "outside"));
  }

  TempDir root_;
};

TEST_F(TarballFetchTest, ExtractsATarGzOverFileWithItsSha256) {
  std::string archive = Tar("site.tar.gz", "-z");
  std::string sha256 = Sha256Hex(ReadFile(archive));
  ProcessResult run = RunFetch(Job("file://" + archive, sha256), app());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.Result(), json({{"revision", sha256}, {"ref", ""}}));
  EXPECT_NE(run.out.find("downloading file://" + archive), std::string::npos) << run.out;
  ExpectSiteExtracted();
  // The single top-level directory is kept, and no scratch file is left next to the release.
  EXPECT_EQ(std::distance(fs::directory_iterator(app("releases")), fs::directory_iterator()), 1);
}

TEST_F(TarballFetchTest, ExtractsEveryCompression) {
  for (auto [name, flag] :
       {std::pair{"site.tar", ""}, {"site.tar.bz2", "-j"}, {"site.tar.xz", "-J"}}) {
    std::string archive = Tar(name, flag);
    ProcessResult run = RunFetch(Job("file://" + archive), app());
    ASSERT_EQ(run.exit_code, 0) << name << ": " << run.err;
    EXPECT_EQ(run.Result()["revision"], Sha256Hex(ReadFile(archive)));
    ExpectSiteExtracted();
    fs::remove_all(app("releases"));
  }
}

TEST_F(TarballFetchTest, ExtractsAZip) {
  std::string archive = root_ / "site.zip";
  {
    ArchiveWriter zip(archive, ArchiveWriter::Format::kZip);
    zip.Directory("site-1.0/");
    zip.File("site-1.0/index.html", "<h1>hello</h1>\n");
    zip.Directory("site-1.0/bin/");
    zip.File("site-1.0/bin/serve", "#!/bin/sh\n", 0755);
    zip.Symlink("site-1.0/bin/index.link", "../index.html");
  }
  ProcessResult run = RunFetch(Job("file://" + archive), app());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ExpectSiteExtracted();
}

TEST_F(TarballFetchTest, DownloadsOverHttp) {
  std::string bytes = ReadFile(Tar("site.tgz", "-z"));
  HttpServer server;
  server.Serve("/dl/site.tgz", bytes);
  ProcessResult run = RunFetch(Job(server.Url("/dl/site.tgz"), Sha256Hex(bytes)), app());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.Result()["revision"], Sha256Hex(bytes));
  ExpectSiteExtracted();
}

TEST_F(TarballFetchTest, AMismatchingSha256IsRefused) {
  std::string bytes = ReadFile(Tar("site.tgz", "-z"));
  HttpServer server;
  server.Serve("/site.tgz", bytes);
  std::string wrong(64, 'a');
  ProcessResult run = RunFetch(Job(server.Url("/site.tgz"), wrong), app());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.LastErrorLine(),
            "error: sha256 mismatch: expected " + wrong + ", got " + Sha256Hex(bytes));
  EXPECT_FALSE(fs::exists(app("releases/1")));
}

TEST_F(TarballFetchTest, HttpErrorsAndMissingFilesAreReported) {
  HttpServer server;
  ProcessResult http = RunFetch(Job(server.Url("/missing.tgz")), app());
  EXPECT_EQ(http.exit_code, 1);
  EXPECT_EQ(http.LastErrorLine(), "error: " + server.Url("/missing.tgz") + " answered HTTP 404");
  ProcessResult file = RunFetch(Job("file://" + (root_ / "missing.tgz")), app());
  EXPECT_EQ(file.exit_code, 1);
  EXPECT_EQ(file.LastErrorLine().rfind("error: cannot download file://", 0), 0u) << file.err;
  EXPECT_FALSE(fs::exists(app("releases/1")));
}

TEST_F(TarballFetchTest, ABadSha256OrANonArchiveIsRefused) {
  ProcessResult bad_sha = RunFetch(Job("file:///dev/null", "abc"), app());
  EXPECT_EQ(bad_sha.exit_code, 2);
  EXPECT_EQ(bad_sha.LastErrorLine(), "error: sha256 must be 64 hex digits");
  WriteFile(root_ / "notes.txt", "just text\n");
  ProcessResult text = RunFetch(Job("file://" + (root_ / "notes.txt")), app());
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_EQ(text.LastErrorLine().rfind("error: the download is not an archive", 0), 0u);
}

TEST_F(TarballFetchTest, CredentialsInTheUrlAreUsedButNeverPrinted) {
  std::string bytes = ReadFile(Tar("site.tgz", "-z"));
  HttpServer server;
  server.Serve("/site.tgz", bytes);
  server.RequireBasicAuth("ci", "hunter2-secret");
  std::string url = "http://ci:hunter2-secret@" + server.Url("/site.tgz").substr(7);
  ProcessResult run = RunFetch(Job(url), app());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ((run.out + run.err).find("hunter2"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("downloading " + server.Url("/site.tgz")), std::string::npos);
  ExpectSiteExtracted();
}

TEST_F(TarballFetchTest, RefusesAnAbsoluteMember) {
  std::string archive = root_ / "evil.tgz";
  {
    ArchiveWriter tar(archive, ArchiveWriter::Format::kTarGz);
    tar.File("ok.txt", "fine");
    tar.File(root_ / "outside", "pwned");
  }
  ExpectRefused(archive, "archive member '" + (root_ / "outside") +
                             "' has an absolute path: it leaves the release directory");
}

TEST_F(TarballFetchTest, RefusesADotDotMember) {
  std::string archive = root_ / "evil.tar";
  {
    ArchiveWriter tar(archive, ArchiveWriter::Format::kTar);
    tar.File("../evil", "pwned");
  }
  ExpectRefused(archive,
                "archive member '../evil' leaves the release directory (a '..' component)");
}

TEST_F(TarballFetchTest, RefusesASymlinkToAnAbsolutePath) {
  std::string archive = root_ / "evil.tgz";
  {
    ArchiveWriter tar(archive, ArchiveWriter::Format::kTarGz);
    tar.Symlink("passwd", "/etc/passwd");
  }
  ExpectRefused(archive,
                "archive member 'passwd' is a symlink to the absolute path "
                "'/etc/passwd', which leaves the release directory");
}

TEST_F(TarballFetchTest, RefusesASymlinkClimbingOut) {
  std::string archive = root_ / "evil.tgz";
  {
    ArchiveWriter tar(archive, ArchiveWriter::Format::kTarGz);
    tar.Directory("a");
    tar.Symlink("a/up", "../../x");
  }
  ExpectRefused(archive,
                "archive member 'a/up' is a symlink to '../../x', which leaves the "
                "release directory");
}

TEST_F(TarballFetchTest, RefusesASymlinkThatEscapesThroughAnotherSymlink) {
  std::string archive = root_ / "evil.tgz";
  {
    ArchiveWriter tar(archive, ArchiveWriter::Format::kTarGz);
    tar.Symlink("here", ".");
    tar.Symlink("up", "here/..");  // "." then "..": one level above the release directory
  }
  ExpectRefused(archive,
                "archive member 'up' is a symlink to 'here/..', which leaves the "
                "release directory");
}

TEST_F(TarballFetchTest, RefusesAHardlinkOutside) {
  std::string archive = root_ / "evil.tar";
  {
    ArchiveWriter tar(archive, ArchiveWriter::Format::kTar);
    tar.Hardlink("shadow", "../../../etc/shadow");
  }
  ExpectRefused(archive,
                "archive member 'shadow' is a hard link to '../../../etc/shadow', "
                "which leaves the release directory");
}

TEST_F(TarballFetchTest, RefusesAHardlinkToAnAbsolutePath) {
  std::string archive = root_ / "evil.tar";
  {
    ArchiveWriter tar(archive, ArchiveWriter::Format::kTar);
    tar.Hardlink("passwd", "/etc/passwd");
  }
  ExpectRefused(archive,
                "archive member 'passwd' is a hard link to '/etc/passwd', which "
                "leaves the release directory");
}

TEST_F(TarballFetchTest, RefusesAMemberWrittenThroughASymlink) {
  std::string archive = root_ / "evil.tgz";
  {
    ArchiveWriter tar(archive, ArchiveWriter::Format::kTarGz);
    tar.Symlink("dir", "real");
    tar.Directory("real");
    tar.File("dir/file", "through the link");
  }
  ExpectRefused(archive,
                "archive member 'dir/file' lies under the symlink 'dir'; berth does "
                "not extract through symlinks");
}

TEST_F(TarballFetchTest, AcceptsLinksThatStayInside) {
  std::string archive = root_ / "links.tgz";
  {
    ArchiveWriter tar(archive, ArchiveWriter::Format::kTarGz);
    tar.Directory("pkg");
    tar.Directory("pkg/lib");
    tar.File("pkg/lib/real.so.1", "elf");
    tar.Symlink("pkg/lib/real.so", "real.so.1");
    tar.Symlink("pkg/current", "./lib/../lib");
    tar.Symlink("pkg/dangling", "not-there-yet");
    tar.Hardlink("pkg/copy.so", "pkg/lib/real.so.1");
  }
  ProcessResult run = RunFetch(Job("file://" + archive), app());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(ReadFile(app("releases/1/pkg/current/real.so")), "elf");
  EXPECT_EQ(ReadFile(app("releases/1/pkg/copy.so")), "elf");
  EXPECT_EQ(fs::hard_link_count(app("releases/1/pkg/copy.so")), 2u);
}

}  // namespace
}  // namespace berth::testing
