/* Log generator for the log capture bench: writes N numbered 70-byte lines (69 chars + '\n') to
   stdout as fast as it can, then waits for a signal so the daemon sees no exit. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_all(const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(STDOUT_FILENO, buf, len);
    if (n < 0) return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Adds one to the decimal counter at the start of `line`. */
static void increment(char *line) {
  for (int i = 6; i >= 0; i--) {
    if (line[i] != '9') {
      line[i]++;
      return;
    }
    line[i] = '0';
  }
}

int main(int argc, char **argv) {
  long lines = argc > 1 ? atol(argv[1]) : 2000000;
  /* The generator must cost next to nothing, so that the daemons are what is measured: the
     line is built once and only its counter changes. */
  static char buf[70 * 1024];
  char line[70];
  memset(line, 'x', sizeof line);
  memcpy(line, "0000000 ", 8);
  line[69] = '\n';
  size_t used = 0;
  for (long i = 0; i < lines; i++) {
    memcpy(buf + used, line, sizeof line);
    increment(line);
    used += 70;
    if (used == sizeof buf) {
      if (write_all(buf, used)) return 1;
      used = 0;
    }
  }
  if (used && write_all(buf, used)) return 1;
  for (;;) pause();
}
