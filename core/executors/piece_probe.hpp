// Probes of this library that read lines as LinePieces (line_splitter.hpp) — with the context
// around a cut — rather than as plain text. The Executor hands them pieces; any other probe that
// wants lines receives each piece's text through Probe::on_line().
#pragma once

#include "executors/line_splitter.hpp"
#include "mirakuru/probe.hpp"

namespace mirakuru::detail {

class PieceProbe {
 public:
  virtual ~PieceProbe() = default;
  // Called as Probe::on_line() is (same thread, same rules), once per piece.
  virtual void on_piece(Stream stream, const LinePiece& piece) = 0;
};

// Hands `piece` to `probe` the way it takes lines.
inline void deliver(Probe& probe, Stream stream, const LinePiece& piece) {
  if (auto* pieces = dynamic_cast<PieceProbe*>(&probe)) {
    pieces->on_piece(stream, piece);
  } else {
    probe.on_line(stream, piece.text());
  }
}

}  // namespace mirakuru::detail
