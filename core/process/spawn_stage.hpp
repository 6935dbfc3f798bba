// The steps between fork and exec that can fail, reported by the child as a number.
#pragma once

namespace mirakuru::detail {

enum class SpawnStage : int {
  kFork = 1,
  kSubreaper,
  kSetsid,
  kStdin,
  kStdout,
  kStderr,
  kChdir,
  kSetgroups,
  kSetgid,
  kSetuid,
  kExec,
  kPipe,
};

inline const char* stage_name(SpawnStage stage) {
  switch (stage) {
    case SpawnStage::kFork:
      return "fork";
    case SpawnStage::kSubreaper:
      return "prctl(PR_SET_CHILD_SUBREAPER)";
    case SpawnStage::kSetsid:
      return "setsid";
    case SpawnStage::kStdin:
      return "redirect stdin";
    case SpawnStage::kStdout:
      return "redirect stdout";
    case SpawnStage::kStderr:
      return "redirect stderr";
    case SpawnStage::kChdir:
      return "chdir";
    case SpawnStage::kSetgroups:
      return "setgroups";
    case SpawnStage::kSetgid:
      return "setgid";
    case SpawnStage::kSetuid:
      return "setuid";
    case SpawnStage::kExec:
      return "execve";
    case SpawnStage::kPipe:
      return "pipe2";
  }
  return "spawn";
}

}  // namespace mirakuru::detail
