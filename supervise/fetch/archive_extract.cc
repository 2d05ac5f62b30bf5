// Two-pass archive extraction with libarchive: check every member, then write them.
#include "supervise/fetch/archive_extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "supervise/fetch/archive_tree.h"

namespace berth {
namespace {

struct ArchiveReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct ArchiveWriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
using ArchiveReaderPtr = std::unique_ptr<archive, ArchiveReadDeleter>;
using ArchiveWriterPtr = std::unique_ptr<archive, ArchiveWriteDeleter>;

// Restores the working directory on scope exit; extraction runs inside dest_dir so that every
// path libarchive sees is relative.
class WorkingDirectory {
 public:
  WorkingDirectory() : saved_(open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {}
  ~WorkingDirectory() {
    if (saved_ < 0) return;
    [[maybe_unused]] int rc = fchdir(saved_);  // best effort: nothing is left to report to
    close(saved_);
  }
  WorkingDirectory(const WorkingDirectory&) = delete;
  WorkingDirectory& operator=(const WorkingDirectory&) = delete;
  bool ok() const { return saved_ >= 0; }

 private:
  int saved_;
};

constexpr int kWriteFlags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                            ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                            ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;

std::string Quote(const char* text) { return "'" + std::string(text ? text : "") + "'"; }

Result<ArchiveReaderPtr> OpenReader(int fd) {
  if (lseek(fd, 0, SEEK_SET) != 0)
    return Status::IOError(std::string("cannot rewind the download: ") + std::strerror(errno));
  ArchiveReaderPtr reader(archive_read_new());
  archive* a = reader.get();
  archive_read_support_format_tar(a);
  archive_read_support_format_zip(a);
  for (auto add : {archive_read_support_filter_gzip, archive_read_support_filter_bzip2,
                   archive_read_support_filter_xz, archive_read_support_filter_lzma,
                   archive_read_support_filter_zstd}) {
    add(a);
  }
  if (archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
    return Status::Invalid(std::string("the download is not an archive berth can read (tar, "
                                       "tar.gz, tar.bz2, tar.xz, zip): ") +
                           archive_error_string(a));
  }
  return reader;
}

Result<MemberKind> KindOf(archive_entry* entry) {
  if (archive_entry_hardlink(entry) != nullptr) return MemberKind::kHardlink;
  switch (archive_entry_filetype(entry)) {
    case AE_IFREG:
      return MemberKind::kFile;
    case AE_IFDIR:
      return MemberKind::kDirectory;
    case AE_IFLNK:
      return MemberKind::kSymlink;
    default:
      return Status::Invalid("archive member " + Quote(archive_entry_pathname(entry)) +
                             " is a device, fifo or socket; only files, directories and links "
                             "can be extracted");
  }
}

// Reads the next header; sets *done at the end of the archive.
Status NextHeader(archive* reader, archive_entry** entry, bool* done) {
  int rc = archive_read_next_header(reader, entry);
  *done = rc == ARCHIVE_EOF;
  if (rc == ARCHIVE_OK || rc == ARCHIVE_EOF) return Status::Ok();
  if (rc == ARCHIVE_WARN) return Status::Ok();
  return Status::Invalid(std::string("the archive is damaged: ") + archive_error_string(reader));
}

Status AddMember(archive_entry* entry, ArchiveTree* tree) {
  const char* name = archive_entry_pathname(entry);
  Result<MemberKind> kind = KindOf(entry);
  if (!kind.ok()) return kind.status();
  Result<std::string> path = NormalizeMemberPath(name ? name : "");
  if (!path.ok()) return path.status();
  if (path->empty()) {
    if (*kind == MemberKind::kDirectory) return Status::Ok();  // "./": the release dir itself
    return Status::Invalid("archive member " + Quote(name) + " has no file name");
  }
  const char* target = *kind == MemberKind::kSymlink    ? archive_entry_symlink(entry)
                       : *kind == MemberKind::kHardlink ? archive_entry_hardlink(entry)
                                                        : "";
  return tree->Add(*path, *kind, target ? target : "");
}

// Pass one: every header, nothing written.
Status CheckMembers(int fd, const ExtractLimits& limits) {
  Result<ArchiveReaderPtr> reader = OpenReader(fd);
  if (!reader.ok()) return reader.status();
  ArchiveTree tree;
  for (;;) {
    archive_entry* entry = nullptr;
    bool done = false;
    if (Status status = NextHeader(reader->get(), &entry, &done); !status.ok()) return status;
    if (done) break;
    if (Status status = AddMember(entry, &tree); !status.ok()) return status;
    if (tree.size() > limits.max_members) {
      return Status::Invalid("the archive has more than " + std::to_string(limits.max_members) +
                             " members");
    }
  }
  return tree.Check();
}

// Copies one member's data; `total` counts what all members wrote so far.
Status CopyData(archive* reader, archive* writer, const char* name, uint64_t* total,
                const ExtractLimits& limits) {
  const void* block = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  for (;;) {
    int rc = archive_read_data_block(reader, &block, &size, &offset);
    if (rc == ARCHIVE_EOF) return Status::Ok();
    if (rc < ARCHIVE_WARN) {
      return Status::Invalid("cannot read archive member " + Quote(name) + ": " +
                             archive_error_string(reader));
    }
    *total += size;
    if (*total > limits.max_bytes) {
      return Status::Invalid("the archive unpacks to more than " +
                             std::to_string(limits.max_bytes >> 30) + " GiB");
    }
    if (archive_write_data_block(writer, block, size, offset) < ARCHIVE_WARN) {
      return Status::IOError("cannot write " + Quote(name) + ": " + archive_error_string(writer));
    }
  }
}

// Rewrites the entry as checked: normalised path and hard link target, no set-id bits.
Status PrepareEntry(archive_entry* entry, bool* skip) {
  Result<std::string> path = NormalizeMemberPath(archive_entry_pathname(entry));
  if (!path.ok()) return path.status();
  *skip = path->empty();
  archive_entry_copy_pathname(entry, path->c_str());
  if (const char* link = archive_entry_hardlink(entry)) {
    Result<std::string> target = NormalizeMemberPath(link);
    if (!target.ok()) return target.status();
    archive_entry_copy_hardlink(entry, target->c_str());
  }
  archive_entry_set_perm(entry, archive_entry_perm(entry) & 0777);
  return Status::Ok();
}

Status WriteMember(archive* reader, archive* writer, archive_entry* entry, uint64_t* total,
                   const ExtractLimits& limits) {
  bool skip = false;
  if (Status status = PrepareEntry(entry, &skip); !status.ok() || skip) return status;
  std::string name = archive_entry_pathname(entry);
  if (archive_write_header(writer, entry) < ARCHIVE_WARN) {
    return Status::IOError("cannot extract " + Quote(name.c_str()) + ": " +
                           archive_error_string(writer));
  }
  if (Status status = CopyData(reader, writer, name.c_str(), total, limits); !status.ok()) {
    return status;
  }
  if (archive_write_finish_entry(writer) < ARCHIVE_WARN) {
    return Status::IOError("cannot extract " + Quote(name.c_str()) + ": " +
                           archive_error_string(writer));
  }
  return Status::Ok();
}

// Pass two: the same file again, written below the current directory.
Status WriteMembers(int fd, const ExtractLimits& limits, size_t* members, uint64_t* bytes) {
  Result<ArchiveReaderPtr> reader = OpenReader(fd);
  if (!reader.ok()) return reader.status();
  ArchiveWriterPtr writer(archive_write_disk_new());
  archive_write_disk_set_options(writer.get(), kWriteFlags);
  for (;;) {
    archive_entry* entry = nullptr;
    bool done = false;
    if (Status status = NextHeader(reader->get(), &entry, &done); !status.ok()) return status;
    if (done) break;
    Status status = WriteMember(reader->get(), writer.get(), entry, bytes, limits);
    if (!status.ok()) return status;
    ++*members;
  }
  if (archive_write_close(writer.get()) != ARCHIVE_OK) {
    return Status::IOError(std::string("cannot finish extraction: ") +
                           archive_error_string(writer.get()));
  }
  return Status::Ok();
}

}  // namespace

Status ExtractArchive(int fd, const std::string& dest_dir, Output& output,
                      const ExtractLimits& limits) {
  if (Status status = CheckMembers(fd, limits); !status.ok()) return status;
  WorkingDirectory restore;
  if (!restore.ok() || chdir(dest_dir.c_str()) != 0) {
    return Status::IOError("cannot enter dest_dir '" + dest_dir + "': " + std::strerror(errno));
  }
  size_t members = 0;
  uint64_t bytes = 0;
  if (Status status = WriteMembers(fd, limits, &members, &bytes); !status.ok()) return status;
  output.Progress("extracted " + std::to_string(members) + " members (" + FormatBytes(bytes) +
                  ") into " + dest_dir);
  return Status::Ok();
}

}  // namespace berth
