#include "graph/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "graph/error.h"

namespace nabla {
namespace {

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Best effort: some file systems refuse fsync on a directory (EINVAL), and
// by now the rename has happened, so a failure here is not reported.
void SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Removes "<base>.tmp-<pid>-<n>" files in `dir` whose <pid> is not a
// running process: what a killed save left behind. Only our own naming
// pattern, all digits, is touched.
void RemoveStaleTemporaries(const std::string& dir, const std::string& base) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  const std::string prefix = base + ".tmp-";
  while (dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = name.substr(prefix.size());
    size_t dash = rest.find('-');
    if (dash == 0 || dash == std::string::npos || dash + 1 == rest.size()) continue;
    if (rest.find_first_not_of("0123456789-") != std::string::npos ||
        rest.find('-', dash + 1) != std::string::npos || dash > 9) {
      continue;
    }
    const pid_t pid = static_cast<pid_t>(std::stol(rest.substr(0, dash)));
    if (pid == ::getpid()) continue;  // ours: a writer of this process
    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) {
      ::unlink((dir + "/" + name).c_str());
    }
  }
  ::closedir(d);
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  static std::atomic<int> counter{0};
  RemoveStaleTemporaries(DirectoryOf(path_), BaseName(path_));
  // O_EXCL: never reuse a file another writer (or a crashed run) left.
  for (int attempt = 0; attempt < 100; ++attempt) {
    temp_path_ = path_ + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0 || errno != EEXIST) break;
  }
  if (fd_ < 0) {
    int error_number = errno;
    temp_path_.clear();  // nothing to remove
    Fail("cannot create a temporary file in '" + DirectoryOf(path_) + "'", error_number);
  }
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

void AtomicFileWriter::Write(const void* data, size_t size) {
  NABLA_CHECK(fd_ >= 0 && !committed_) << "write after Commit() or a failure";
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) Fail("write failed", n < 0 ? errno : ENOSPC);
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void AtomicFileWriter::Commit() {
  NABLA_CHECK(fd_ >= 0 && !committed_) << "Commit() called twice or after a failure";
  if (::fsync(fd_) != 0) Fail("fsync failed", errno);
  int fd = fd_;
  fd_ = -1;
  // close() reports delayed write errors on some file systems (NFS).
  if (::close(fd) != 0) Fail("close failed", errno);
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) Fail("rename failed", errno);
  committed_ = true;
  SyncDirectory(DirectoryOf(path_));
}

void AtomicFileWriter::Fail(const std::string& what, int error_number) const {
  ErrorBuilder error(error_number == ENOENT ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument);
  error << "cannot write '" << path_ << "': " << what << ": " << std::strerror(error_number);
  if (error_number == ENOENT) error << " (does the directory exist?)";
  error.Throw();
}

void WriteFileAtomic(const std::string& path, const std::string& contents) {
  AtomicFileWriter writer(path);
  writer.Write(contents);
  writer.Commit();
}

}  // namespace nabla

namespace nabla {

std::string ReadFileBounded(const std::string& path, size_t max_bytes, const std::string& what) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) NABLA_THROW(kNotFound) << path << ": no such file";
    NABLA_THROW(kInvalidFile) << path << ": cannot open: " << std::strerror(errno);
  }
  struct stat info;
  if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    ::close(fd);
    NABLA_THROW(kInvalidFile) << path << ": is a directory, expected " << what;
  }
  std::string contents;
  char buffer[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error_number = errno;
      ::close(fd);
      NABLA_THROW(kInvalidFile) << path << ": read failed: " << std::strerror(error_number);
    }
    if (n == 0) break;
    if (contents.size() + static_cast<size_t>(n) > max_bytes) {
      ::close(fd);
      NABLA_THROW(kInvalidFile) << path << ": more than " << max_bytes << " bytes, the limit for "
                                << what << " (a device or an endless stream?)";
    }
    contents.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return contents;
}

void CheckWritable(const std::string& path, const std::string& flag) {
  struct stat info;
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    NABLA_THROW(kInvalidArgument) << flag << "cannot write '" << path << "': it is a directory";
  }
  try {
    AtomicFileWriter probe(path);  // removed again by its destructor
  } catch (const Error& e) {
    throw Error(e.code(), flag + e.what());
  }
}

}  // namespace nabla
