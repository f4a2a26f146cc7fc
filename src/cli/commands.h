/* commands.h - one entry point per subcommand (src/cmd-*.c) */
#pragma once

/* Each returns a process exit code (see kiln.h).  argv[0] is the
 * subcommand's own name. */
typedef int (*KilnCommandFn) (int argc, char **argv);

typedef struct {
  const char *name;
  KilnCommandFn fn;
  const char *summary;
} KilnCommand;

int kiln_cmd_validate (int argc, char **argv);
int kiln_cmd_components (int argc, char **argv);
int kiln_cmd_build (int argc, char **argv);
int kiln_cmd_run (int argc, char **argv);
int kiln_cmd_test (int argc, char **argv);
int kiln_cmd_template (int argc, char **argv);
int kiln_cmd_convert (int argc, char **argv);
int kiln_cmd_inspect (int argc, char **argv);
int kiln_cmd_images (int argc, char **argv);
int kiln_cmd_logs (int argc, char **argv);
int kiln_cmd_pipeline (int argc, char **argv);
int kiln_cmd_doctor (int argc, char **argv);
