// Table: column widths and padding.
#include "cli/table.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace berth::cli {
namespace {

constexpr size_t kColumnGap = 3;

}  // namespace

size_t display_width(const std::string& text) {
  return std::count_if(text.begin(), text.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
  assert(cells.size() == headers_.size());
  rows_.push_back(std::move(cells));
}

void Table::render(std::ostream& out) const {
  std::vector<size_t> widths;
  for (const std::string& header : headers_) widths.push_back(display_width(header));
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  }
  render_row(out, headers_, widths);
  for (const auto& row : rows_) render_row(out, row, widths);
}

void Table::render_row(std::ostream& out, const std::vector<std::string>& cells,
                       const std::vector<size_t>& widths) const {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    line += cells[i];
    if (i + 1 < cells.size()) line.append(widths[i] - display_width(cells[i]) + kColumnGap, ' ');
  }
  line.erase(line.find_last_not_of(' ') + 1);  // empty trailing cells leave no blanks
  out << line << '\n';
}

}  // namespace berth::cli
