// Tests for Table: widths, padding, and no trailing blanks.
#include "cli/table.h"

#include <gtest/gtest.h>

#include <sstream>

namespace berth::cli {
namespace {

std::string render(const Table& table) {
  std::ostringstream out;
  table.render(out);
  return out.str();
}

TEST(TableTest, PadsEachColumnToItsWidestCell) {
  Table table({"NAME", "STATE", "PID"});
  table.add_row({"web", "running", "4242"});
  table.add_row({"worker-long", "stopped", "-"});
  EXPECT_EQ(render(table),
            "NAME          STATE     PID\n"
            "web           running   4242\n"
            "worker-long   stopped   -\n");
}

TEST(TableTest, PrintsOnlyTheHeaderWhenThereAreNoRows) {
  Table table({"NAME", "KIND"});
  EXPECT_EQ(render(table), "NAME   KIND\n");
}

TEST(TableTest, NeverEndsALineInBlanks) {
  Table table({"A", "LONGHEADER"});
  table.add_row({"x", ""});
  EXPECT_EQ(render(table), "A   LONGHEADER\nx\n");
}

TEST(TableTest, CountsUtf8CharactersNotBytes) {
  Table table({"NAME", "X"});
  table.add_row({"café", "1"});
  EXPECT_EQ(render(table), "NAME   X\ncafé   1\n");
  EXPECT_EQ(display_width("café"), 4u);
}

}  // namespace
}  // namespace berth::cli
