/* The machine's floor for two measurements, done the cheapest way C allows, so the table can
   show how close any supervisor could come. Waits for a line on stdin, then:
     floor spawn N          posix_spawn N `/bin/sleep 1000` children, then pauses;
     floor capture FILE GEN [ARGS...]
                            runs GEN with stdout on a 1 MiB pipe and copies it into FILE in
                            1 MiB reads until EOF, then pauses. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int spawn_sleeps(long count) {
  char *argv[] = {"/bin/sleep", "1000", NULL};
  for (long i = 0; i < count; i++) {
    pid_t pid;
    if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0) return 1;
  }
  return 0;
}

static int capture(const char *path, char **gen_argv) {
  int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int fds[2];
  if (out < 0 || pipe2(fds, O_CLOEXEC) != 0) return 1;
  fcntl(fds[0], F_SETPIPE_SZ, 1 << 20);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  pid_t pid;
  if (posix_spawn(&pid, gen_argv[0], &actions, NULL, gen_argv, environ) != 0) return 1;
  close(fds[1]);
  static char buf[1 << 20];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) {
    if (write(out, buf, (size_t)n) != n) return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  char go[16];
  if (argc < 3 || !fgets(go, sizeof go, stdin)) return 2;
  int failed = strcmp(argv[1], "spawn") == 0 ? spawn_sleeps(atol(argv[2]))
               : argc >= 4 && strcmp(argv[1], "capture") == 0 ? capture(argv[2], argv + 3)
                                                               : 2;
  if (failed) return failed;
  for (;;) pause();
}
