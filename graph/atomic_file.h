// AtomicFileWriter: replaces a file so that readers, and the file system
// after a crash, see either the old contents or the complete new ones,
// never a partial file.
//
// Bytes go to a temporary file in the destination's own directory (so the
// final rename stays on one file system, where POSIX makes it atomic).
// Commit() fsyncs the temporary file, renames it over the destination and
// fsyncs the directory so the rename itself is durable. Until Commit()
// succeeds the destination is untouched; if Commit() is never reached (an
// exception, an early return) or fails, the destructor removes the
// temporary file, so a failed save leaves nothing behind.
//
// Errors throw nabla::Error naming the destination and the system's reason:
// kNotFound when the directory does not exist, kInvalidArgument for every
// other failure (permissions, a full disk, a destination that is a
// directory); ErrorCode has no separate I/O code.
//
// Stale temporaries: a process killed mid-write leaves its
// "<path>.tmp-<pid>-<n>"; the next writer of `path` removes those whose
// process no longer runs.
//
// Thread safety: one writer per thread; two writers for the same
// destination race only on which complete file wins.
#ifndef NABLA_GRAPH_ATOMIC_FILE_H_
#define NABLA_GRAPH_ATOMIC_FILE_H_

#include <cstddef>
#include <string>

namespace nabla {

class AtomicFileWriter {
 public:
  // Creates the temporary file "<path>.tmp-<pid>-<n>".
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void Write(const void* data, size_t size);
  void Write(const std::string& bytes) { Write(bytes.data(), bytes.size()); }
  // Makes the written bytes the destination's contents. Call at most once.
  void Commit();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

 private:
  [[noreturn]] void Fail(const std::string& what, int error_number) const;

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

// Writes `contents` to `path` through an AtomicFileWriter.
void WriteFileAtomic(const std::string& path, const std::string& contents);

// Reads a whole file of at most `max_bytes`, for readers that parse
// everything in memory (graph files, text checkpoints): /dev/zero or an
// endless pipe is an error after max_bytes, not an unbounded read.
// Throws kNotFound "PATH: no such file" for a missing file, and
// kInvalidFile naming `what` for a directory, an unreadable file or one
// over the limit.
std::string ReadFileBounded(const std::string& path, size_t max_bytes, const std::string& what);

// Checks, before a long run, that `path` can be written: its directory
// exists and takes a new file, and `path` is not a directory. Creates and
// removes a temporary file beside it; leaves `path` untouched. Throws what
// AtomicFileWriter would, prefixed with `flag` ("--save: ").
void CheckWritable(const std::string& path, const std::string& flag);

}  // namespace nabla

#endif  // NABLA_GRAPH_ATOMIC_FILE_H_
