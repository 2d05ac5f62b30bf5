// Table: plain-text columns for listings such as `berthctl ls`.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace berth::cli {

// Rows of cells printed under a header, each column as wide as its widest cell (counted in
// UTF-8 characters) and separated from the next by three spaces. No line ends in blanks.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // REQUIRES: cells.size() equals the number of headers.
  void add_row(std::vector<std::string> cells);

  void render(std::ostream& out) const;

 private:
  void render_row(std::ostream& out, const std::vector<std::string>& cells,
                  const std::vector<size_t>& widths) const;

  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// The number of characters in a UTF-8 string (continuation bytes are not counted).
size_t display_width(const std::string& text);

}  // namespace berth::cli
