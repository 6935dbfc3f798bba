// Where a service set puts its files: ${tmpdir} directories and log files.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace mirakuru::detail {

// Creates a private directory "BASE/mk-XXXXXX" (mode 0700). BASE is $TEST_TMPDIR, else
// $TMPDIR, else /tmp — unless that is too long for unix socket paths under ${tmpdir} (108
// bytes in all), then /tmp. Throws std::system_error.
std::filesystem::path make_set_tmpdir();

// mkdir `dir` with exactly `mode` (whatever the umask). Throws std::system_error (also when
// `dir` exists, or its parent is gone: nothing is created on the way).
void make_directory(const std::filesystem::path& dir, std::filesystem::perms mode);

// Creates `dir` and the missing directories above it, each mode 0700. Throws std::system_error.
void make_private_directories(const std::filesystem::path& dir);

// The directory logs go to: $MIRAKURU_LOG_DIR, else $TEST_UNDECLARED_OUTPUTS_DIR, else the
// current directory. Not created here.
std::filesystem::path log_dir();

// "mk-NAME-pPID[-sSHARD]-SEQ.log": unique per process, GoogleTest shard and service set.
std::string log_file_name(const std::string& service, unsigned set_sequence);

// Makes `dir` belong to `user` (for services run as another user). Throws std::system_error
// (ENOENT: no such user).
void give_to_user(const std::filesystem::path& dir, const std::string& user);

// Removes `dir` and everything in it; never throws (a failure is logged).
void remove_tree(const std::filesystem::path& dir) noexcept;

// MIRAKURU_KEEP_TMPDIRS: which tmpdirs outlive their set for inspection.
enum class KeepTmpdirs { Never, Failed, Always };
// Unset or empty: Never. Throws std::invalid_argument naming the allowed values.
KeepTmpdirs keep_tmpdirs_setting();

}  // namespace mirakuru::detail
