/* test-logic.c - conditions, variable expansion, loops, plan checks and
 * package-manager detection */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <regex.h>

#include "common/kiln-protocol.h"
#include "cond.h"
#include "common/kiln-re2-posix.h"
#include "expand.h"
#include "fsutil.h"
#include "hash.h"
#include "loop.h"
#include "pkgmgr.h"
#include "plan.h"
#include "util.h"

static json *
J (const char *text)
{
  char *err = NULL;
  json *v = json_parse (text, strlen (text), &err);
  if (!v)
    fail_msg ("bad test JSON <%s>: %s", text, err);
  return v;
}

/* 1 true, 0 false, -1 invalid */
static int
eval (const char *text)
{
  json *e = J (text);
  char *err = NULL;
  int r = cond_eval (e, &err);
  free (err);
  json_free (e);
  return r;
}

#define TRUE_(t) do { int r_ = eval (t); if (r_ != 1) fail_msg ("expected true (%d): %s", r_, t); } while (0)
#define FALSE_(t) do { int r_ = eval (t); if (r_ != 0) fail_msg ("expected false (%d): %s", r_, t); } while (0)
#define INVALID_(t) do { int r_ = eval (t); if (r_ != -1) fail_msg ("expected invalid (%d): %s", r_, t); } while (0)

/* An RE2 pattern through the translation and the C library's regex:
 * 1 match, 0 none, -1 refused by the translation, -2 refused by regcomp. */
static int
re2_match (const char *pattern, const char *value)
{
  int flags = 0;
  const char *why = NULL;
  char *ere = kiln_re2_to_posix (pattern, &flags, &why);
  if (!ere)
    return -1;
  regex_t re;
  int rc = regcomp (&re, ere, REG_EXTENDED | REG_NOSUB | ((flags & KILN_RE_ICASE) ? REG_ICASE : 0)
                                  | ((flags & KILN_RE_NEWLINE) ? REG_NEWLINE : 0));
  free (ere);
  if (rc != 0)
    return -2;
  int m = regexec (&re, value, 0, NULL, 0) == 0;
  regfree (&re);
  return m;
}

#define RE2_(want, pat, val) \
  do { int r_ = re2_match (pat, val); \
       if (r_ != (want)) fail_msg ("%s against \"%s\": expected %d, got %d", pat, val, want, r_); } while (0)

/* What documents write for Go's RE2 means the same through POSIX ERE; what
 * has no ERE form is refused, never matched differently. */
static void
test_re2_patterns_through_posix (void **unused)
{
  RE2_ (1, "^\\d+\\.\\d+$", "12.5");
  RE2_ (0, "^\\d+\\.\\d+$", "1x.5");
  RE2_ (1, "\\w+@\\w+", "me@host");
  RE2_ (1, "^\\s*$", " \t\n");
  RE2_ (0, "\\S", "  \t");
  RE2_ (1, "(?i)^DEBIAN", "debian 12");
  RE2_ (1, "(?m)^PermitRootLogin no$", "Port 22\nPermitRootLogin no\nX");
  RE2_ (0, "^PermitRootLogin no$", "Port 22\nPermitRootLogin no\nX");
  RE2_ (0, "a.b", "a\nb");                 /* RE2's . skips newlines */
  RE2_ (1, "(?s)a.b", "a\nb");
  RE2_ (1, "(?ms)^a.b$", "x\na\nb");
  RE2_ (1, "(?m)[^a]b", "\nb");            /* ... its [^a] does not */
  RE2_ (1, "(?:ab)+c", "ababc");
  RE2_ (1, "(?P<v>\\d+)\\.(?<w>\\d+)", "1.2");
  RE2_ (1, "a+?b", "aab");                  /* lazy: the same strings */
  RE2_ (1, "x{2,3}?y", "xxy");
  RE2_ (1, "[\\d.]+$", "1.2");
  RE2_ (0, "[^\\d]", "123");
  RE2_ (1, "^[\\]\\-]$", "-");
  RE2_ (1, "^[\\]\\-]$", "]");
  RE2_ (0, "\\Qa.b\\E", "axb");
  RE2_ (1, "\\Qa.b\\E", "a.b");
  RE2_ (1, "\\x41\\101", "AA");
  RE2_ (1, "\\tX", "\tX");
  RE2_ (1, "a{", "a{");
  RE2_ (1, "\\A\\d", "1x");
  RE2_ (0, "x\\z", "x\n");
  RE2_ (1, "[[:alpha:]]+[[:digit:]]", "ab1");
  RE2_ (-1, "\\bword\\b", "a word");
  RE2_ (-1, "a(?i)b", "ab");
  RE2_ (-1, "\\pL", "a");
  RE2_ (-1, "[\\D]", "a");
  RE2_ (-1, "(?U)a+", "a");
  /* through the operator */
  TRUE_ ("{\"patternMatches\":\"(?i)^ok\\\\s+\\\\d+\",\"value\":\"OK 42\"}");
  INVALID_ ("{\"patternMatches\":\"\\\\bx\",\"value\":\"x\"}");
}

static void
test_string_operators (void **unused)
{
  TRUE_ ("{\"stringEquals\":\"abc\",\"value\":\"abc\"}");
  TRUE_ ("{\"stringEquals\":\"ABC\",\"value\":\"abc\"}");        /* case is ignored */
  FALSE_ ("{\"stringEquals\":\"abc\",\"value\":\" abc\"}");       /* no trimming */
  TRUE_ ("{\"stringLessThan\":\"b\",\"value\":\"a\"}");           /* value OP baseline */
  FALSE_ ("{\"stringLessThan\":\"a\",\"value\":\"b\"}");
  FALSE_ ("{\"stringLessThan\":\"a\",\"value\":\"A\"}");
  TRUE_ ("{\"stringLessThanEquals\":\"a\",\"value\":\"A\"}");
  TRUE_ ("{\"stringGreaterThan\":\"a\",\"value\":\"B\"}");
  FALSE_ ("{\"stringGreaterThan\":\"b\",\"value\":\"b\"}");
  TRUE_ ("{\"stringGreaterThanEquals\":\"b\",\"value\":\"b\"}");
  FALSE_ ("{\"stringGreaterThanEquals\":\"c\",\"value\":\"b\"}");
  TRUE_ ("{\"stringIsEmpty\":\"\"}");
  FALSE_ ("{\"stringIsEmpty\":\" \"}");
  TRUE_ ("{\"stringIsEmpty\":\"x\",\"value\":\"\"}");            /* `value` wins when given */
  TRUE_ ("{\"stringIsWhitespace\":\" \\t\\n\"}");
  FALSE_ ("{\"stringIsWhitespace\":\" x \"}");
  TRUE_ ("{\"patternMatches\":\"^[0-9]+\\\\.[0-9]+$\",\"value\":\"12.5\"}");
  FALSE_ ("{\"patternMatches\":\"^[0-9]+$\",\"value\":\"12.5\"}");
  TRUE_ ("{\"patternMatches\":\"ub(untu|ian)\",\"value\":\"debian ubuntu\"}"); /* unanchored */
  INVALID_ ("{\"patternMatches\":\"(\",\"value\":\"x\"}");
  INVALID_ ("{\"stringEquals\":\"abc\"}");                          /* no value */
}

static void
test_number_operators (void **unused)
{
  TRUE_ ("{\"numberEquals\":\"1\",\"value\":\"1.0\"}");
  TRUE_ ("{\"numberEquals\":1,\"value\":\"+1\"}");
  FALSE_ ("{\"numberEquals\":\"1\",\"value\":\"2\"}");
  TRUE_ ("{\"numberLessThan\":\"10\",\"value\":\"9.5\"}");
  FALSE_ ("{\"numberLessThan\":\"10\",\"value\":\"10\"}");
  TRUE_ ("{\"numberLessThanEquals\":\"10\",\"value\":\"10\"}");
  TRUE_ ("{\"numberGreaterThan\":\"-3\",\"value\":\"-2\"}");
  TRUE_ ("{\"numberGreaterThanEquals\":\"2\",\"value\":\"2\"}");
  FALSE_ ("{\"numberGreaterThanEquals\":\"2\",\"value\":\"1.999\"}");
  /* A value that is not a number makes the comparison false. */
  FALSE_ ("{\"numberEquals\":\"1\",\"value\":\"one\"}");
  FALSE_ ("{\"numberEquals\":\"1\",\"value\":\"1e0\"}");
  FALSE_ ("{\"numberEquals\":\"1\",\"value\":\"1.\"}");
  FALSE_ ("{\"numberEquals\":\"1\",\"value\":\" 1\"}");
  double d;
  assert_true (cond_parse_number ("-0.5", &d) && d == -0.5);
  assert_true (cond_parse_number ("+.5", &d) == false);
  assert_true (cond_parse_number ("007", &d) && d == 7);
  assert_false (cond_parse_number ("", &d));
}

static void
test_logical_operators (void **unused)
{
  TRUE_ ("{\"and\":[{\"stringEquals\":\"a\",\"value\":\"a\"},{\"numberEquals\":1,\"value\":1}]}");
  FALSE_ ("{\"and\":[{\"stringEquals\":\"a\",\"value\":\"b\"},{\"numberEquals\":1,\"value\":1}]}");
  /* short-circuit: the invalid second operand is never looked at */
  FALSE_ ("{\"and\":[{\"stringEquals\":\"a\",\"value\":\"b\"},{\"bogus\":1}]}");
  TRUE_ ("{\"or\":[{\"stringEquals\":\"a\",\"value\":\"a\"},{\"bogus\":1}]}");
  FALSE_ ("{\"or\":[{\"stringEquals\":\"a\",\"value\":\"b\"},{\"numberEquals\":1,\"value\":3}]}");
  TRUE_ ("{\"not\":{\"stringEquals\":\"a\",\"value\":\"b\"}}");
  FALSE_ ("{\"not\":{\"stringEquals\":\"a\",\"value\":\"a\"}}");
  TRUE_ ("{\"and\":[{\"or\":[{\"not\":{\"fileExists\":\"/nonexistent/x\"}}]}]}");
  INVALID_ ("{\"and\":[]}");
  INVALID_ ("{\"and\":{\"stringEquals\":\"a\",\"value\":\"a\"}}");
  INVALID_ ("{\"stringEquals\":\"a\",\"numberEquals\":1,\"value\":\"a\"}");
  INVALID_ ("{\"bogus\":\"x\"}");
  INVALID_ ("{\"value\":\"x\"}");
  INVALID_ ("\"stringEquals\"");
}

static void
test_file_operators (void **unused)
{
  char dir[] = "/tmp/kiln-agent-cond-XXXXXX";
  assert_non_null (mkdtemp (dir));
  char *file = path_join (dir, "f.txt");
  assert_true (write_file_atomic (file, "hello\n", 6, 0644, NULL));
  char *t = xasprintf ("{\"fileExists\":\"%s\"}", file);
  TRUE_ (t);
  free (t);
  t = xasprintf ("{\"folderExists\":\"%s\"}", file);
  FALSE_ (t);
  free (t);
  t = xasprintf ("{\"folderExists\":\"%s\"}", dir);
  TRUE_ (t);
  free (t);
  t = xasprintf ("{\"fileExists\":\"%s\"}", dir);
  FALSE_ (t);
  free (t);
  static const struct { const char *op; hash_alg alg; } ops[] = {
    { "fileMD5Equals", HASH_MD5 }, { "fileSHA1Equals", HASH_SHA1 },
    { "fileSHA256Equals", HASH_SHA256 }, { "fileSHA512Equals", HASH_SHA512 },
  };
  for (size_t i = 0; i < ARRAY_LEN (ops); i++)
    {
      char *h = hash_hex (ops[i].alg, "hello\n", 6);
      for (char *p = h; *p; p++)
        *p = (char) (*p >= 'a' ? *p - 32 : *p); /* upper case matches too */
      t = xasprintf ("{\"%s\":\"%s\",\"path\":\"%s\"}", ops[i].op, h, file);
      TRUE_ (t);
      free (t);
      t = xasprintf ("{\"%s\":\"%s\",\"path\":\"%s/missing\"}", ops[i].op, h, dir);
      FALSE_ (t);
      free (t);
      h[0] = h[0] == '0' ? '1' : '0';
      t = xasprintf ("{\"%s\":\"%s\",\"path\":\"%s\"}", ops[i].op, h, file);
      FALSE_ (t);
      free (t);
      t = xasprintf ("{\"%s\":\"%s\"}", ops[i].op, h);
      INVALID_ (t);
      free (t);
      free (h);
    }
  TRUE_ ("{\"binaryExists\":\"sh\"}");
  FALSE_ ("{\"binaryExists\":\"kiln-no-such-binary-xyz\"}");
  TRUE_ ("{\"binaryExists\":\"/bin/sh\"}");
  t = xasprintf ("{\"binaryExists\":\"%s\"}", file); /* not executable */
  FALSE_ (t);
  free (t);
  unlink (file);
  rmdir (dir);
  free (file);
}

static void
test_if_then_else_decides_execute_skip_or_abort (void **unused)
{
  static const struct { const char *cond; if_action want; } cases[] = {
    { "{\"stringEquals\":\"a\",\"value\":\"a\"}", IF_EXECUTE },
    { "{\"stringEquals\":\"a\",\"value\":\"b\"}", IF_SKIP },
    { "{\"stringEquals\":\"a\",\"value\":\"a\",\"then\":\"Skip\"}", IF_SKIP },
    { "{\"stringEquals\":\"a\",\"value\":\"b\",\"else\":\"Abort\"}", IF_ABORT },
    { "{\"stringEquals\":\"a\",\"value\":\"a\",\"then\":\"abort\",\"else\":\"Execute\"}", IF_ABORT },
    { "{\"stringEquals\":\"a\",\"value\":\"b\",\"then\":\"Abort\",\"else\":\"Execute\"}", IF_EXECUTE },
    { "[{\"stringEquals\":\"a\",\"value\":\"b\",\"else\":\"Execute\"}]", IF_EXECUTE },
  };
  for (size_t i = 0; i < ARRAY_LEN (cases); i++)
    {
      json *c = J (cases[i].cond);
      if_action a;
      bool truth;
      char *err = NULL;
      assert_true (cond_eval_if (c, &a, &truth, &err));
      if (a != cases[i].want)
        fail_msg ("%s: got %s", cases[i].cond, if_action_name (a));
      json_free (c);
    }
  json *c = J ("{\"stringEquals\":\"a\",\"value\":\"a\",\"then\":\"Maybe\"}");
  if_action a;
  bool truth;
  char *err = NULL;
  assert_false (cond_eval_if (c, &a, &truth, &err));
  assert_non_null (strstr (err, "then must be Execute, Skip or Abort"));
  free (err);
  json_free (c);
}

static void
test_expand_chained_outputs_and_loop_variables (void **unused)
{
  json *chain = J ("{\"build\":{\"Get\":{\"inputs\":{\"commands\":[\"x\"],\"path\":\"/p\"},"
                   "\"outputs\":{\"stdout\":\"v1\",\"n\":3}},"
                   "\"Dl\":{\"inputs\":[{\"destination\":\"/a\"},{\"destination\":\"/b\"}],\"outputs\":{}},"
                   "\"My.Step\":{\"inputs\":null,\"outputs\":{\"stdout\":\"dotted\"}}}}");
  expand_ctx c = { .chain = chain, .in_loop = true, .loop_name = "hosts", .index = 2, .value = "h3" };
  static const struct { const char *in, *out; } cases[] = {
    { "{{ build.Get.outputs.stdout }}", "v1" },
    { "a{{build.Get.outputs.stdout}}b", "av1b" },
    { "{{   build.Get.outputs.n   }}", "3" },
    { "{{ build.Get.inputs.path }}", "/p" },
    { "{{ build.Dl.inputs[1].destination }}", "/b" },
    { "{{ build.Dl.inputs[0].destination }}", "/a" },
    { "{{ build.Dl.inputs.destination }}", "/a" },
    { "{{ build.My.Step.outputs.stdout }}", "dotted" },
    { "{{ loop.index }}:{{ loop.value }}", "2:h3" },
    { "{{ hosts.index }}/{{ hosts.value }}", "2/h3" },
    /* unresolved references stay as written */
    { "{{ build.Dl.inputs[5].destination }}", "{{ build.Dl.inputs[5].destination }}" },
    { "{{ build.Nope.outputs.stdout }}", "{{ build.Nope.outputs.stdout }}" },
    { "{{ validate.Get.outputs.stdout }}", "{{ validate.Get.outputs.stdout }}" },
    { "{{ other.index }}", "{{ other.index }}" },
    { "{{ Param }}", "{{ Param }}" },
    { "{{}} {{ }} {{ unclosed", "{{}} {{ }} {{ unclosed" },
    { "no vars", "no vars" },
    { "", "" },
  };
  for (size_t i = 0; i < ARRAY_LEN (cases); i++)
    {
      char *got = expand_string (cases[i].in, &c);
      if (strcmp (got, cases[i].out))
        fail_msg ("expand <%s>: got <%s>, want <%s>", cases[i].in, got, cases[i].out);
      free (got);
    }
  /* Outside a loop, loop variables stay literal. */
  expand_ctx no_loop = { .chain = chain };
  char *got = expand_string ("{{ loop.value }}", &no_loop);
  assert_string_equal (got, "{{ loop.value }}");
  free (got);
  /* Whole trees: strings are expanded, keys and other types kept. */
  json *in = J ("{\"{{ loop.value }}\":[\"{{ loop.index }}\",1,true,{\"k\":\"{{ build.Get.outputs.stdout }}\"}]}");
  json *out = expand_json (in, &c);
  json *want = J ("{\"{{ loop.value }}\":[\"2\",1,true,{\"k\":\"v1\"}]}");
  assert_true (json_equal (out, want));
  json_free (in);
  json_free (out);
  json_free (want);
  json_free (chain);
}

static void
expect_loop (const char *loop_json, const char *const *values, size_t n, const char *name)
{
  json *l = loop_json ? J (loop_json) : NULL;
  json *chain = J ("{\"build\":{\"S\":{\"inputs\":null,\"outputs\":{\"stdout\":\"x;y\"}}}}");
  expand_ctx c = { .chain = chain };
  loop_plan lp;
  bool in_loop;
  char *err = NULL;
  if (!loop_expand (l, &c, &lp, &in_loop, &err))
    fail_msg ("loop %s: %s", loop_json, err);
  assert_int_equal (lp.count, n);
  assert_int_equal (in_loop, loop_json != NULL);
  for (size_t i = 0; i < n; i++)
    assert_string_equal (lp.values[i], values[i]);
  if (name)
    assert_string_equal (lp.name, name);
  else
    assert_null (lp.name);
  loop_plan_free (&lp);
  json_free (l);
  json_free (chain);
}

static void
expect_loop_error (const char *loop_json, const char *fragment)
{
  json *l = J (loop_json);
  expand_ctx c = { 0 };
  loop_plan lp;
  bool in_loop;
  char *err = NULL;
  assert_false (loop_expand (l, &c, &lp, &in_loop, &err));
  if (!strstr (err, fragment))
    fail_msg ("loop %s: error '%s' lacks '%s'", loop_json, err, fragment);
  free (err);
  json_free (l);
}

static void
test_loop_iterations_and_refused_loops (void **unused)
{
  const char *none[] = { "" };
  expect_loop (NULL, none, 1, NULL);
  const char *up[] = { "1", "3", "5" };
  expect_loop ("{\"for\":{\"start\":\"1\",\"end\":\"5\",\"updateBy\":\"2\"}}", up, 3, NULL);
  const char *up2[] = { "1", "3" };
  expect_loop ("{\"for\":{\"start\":1,\"end\":4,\"updateBy\":2}}", up2, 2, NULL);
  const char *down[] = { "3", "2", "1", "0" };
  expect_loop ("{\"name\":\"d\",\"for\":{\"start\":\"3\",\"end\":\"0\",\"updateBy\":\"-1\"}}", down, 4, "d");
  const char *one[] = { "7" };
  expect_loop ("{\"for\":{\"start\":\"7\",\"end\":\"7\"}}", one, 1, NULL);
  const char *list[] = { "a", "b c", "x;y" };
  expect_loop ("{\"forEach\":[\"a\",\"b c\",\"{{ build.S.outputs.stdout }}\"]}", list, 3, NULL);
  const char *split[] = { "x", "y" };
  expect_loop ("{\"name\":\"L\",\"forEach\":{\"list\":\"{{ build.S.outputs.stdout }}\",\"delimiter\":\";\"}}",
               split, 2, "L");
  const char *comma[] = { "127.0.0.1", "example.com", "" };
  expect_loop ("{\"forEach\":{\"list\":\"127.0.0.1,example.com,\"}}", comma, 3, NULL);
  const char *nl[] = { "a", "b" };
  expect_loop ("{\"forEach\":{\"list\":\"a\\nb\",\"delimiter\":\"\\n\"}}", nl, 2, NULL);
  expect_loop ("{\"forEach\":{\"list\":\"a\\nb\",\"delimiter\":\"\\\\n\"}}", nl, 2, NULL);
  const char *sp[] = { "a", "b" };
  expect_loop ("{\"forEach\":{\"list\":\"a b\",\"delimiter\":\" \"}}", sp, 2, NULL);

  expect_loop_error ("{\"for\":{\"start\":\"1\",\"end\":\"5\",\"updateBy\":\"0\"}}", "must not be 0");
  expect_loop_error ("{\"for\":{\"start\":\"1\",\"end\":\"5\",\"updateBy\":\"-1\"}}", "never reaches");
  expect_loop_error ("{\"for\":{\"start\":\"x\",\"end\":\"5\"}}", "integer start and end");
  expect_loop_error ("{\"forEach\":{\"list\":\"a\",\"delimiter\":\"|\"}}", "delimiter");
  expect_loop_error ("{\"forEach\":[[1]]}", "expected a string");
  expect_loop_error ("{\"forEach\":[\"a\"],\"for\":{\"start\":1,\"end\":2}}", "not both");
  expect_loop_error ("{\"name\":\"x\"}", "expected for or forEach");
  expect_loop_error ("{\"for\":{\"start\":\"0\",\"end\":\"1000000\"}}", "more than");
}

/* Numbers a plan may carry cannot make the agent's arithmetic overflow:
 * counters near the limits of a long long end, deadlines saturate.  (The
 * unit tests run under UBSan in CI, which would report a signed overflow.) */
static void
test_numbers_at_the_limits_do_not_overflow (void **unused)
{
  const char *top[] = { "9223372036854775806", "9223372036854775807" };
  expect_loop ("{\"for\":{\"start\":\"9223372036854775806\",\"end\":\"9223372036854775807\",\"updateBy\":\"1\"}}",
               top, 2, NULL);
  const char *big_step[] = { "9223372036854775800" };
  expect_loop ("{\"for\":{\"start\":\"9223372036854775800\",\"end\":\"9223372036854775807\","
               "\"updateBy\":\"1000000\"}}", big_step, 1, NULL);
  const char *bottom[] = { "-9223372036854775807", "-9223372036854775808" };
  expect_loop ("{\"for\":{\"start\":\"-9223372036854775807\",\"end\":\"-9223372036854775808\",\"updateBy\":\"-1\"}}",
               bottom, 2, NULL);
  const char *wide[] = { "-9223372036854775808", "-1", "9223372036854775806" };
  expect_loop ("{\"for\":{\"start\":\"-9223372036854775808\",\"end\":\"9223372036854775807\","
               "\"updateBy\":\"9223372036854775807\"}}", wide, 3, NULL);
  /* out of range for a long long: refused, not clamped */
  expect_loop_error ("{\"for\":{\"start\":\"1\",\"end\":\"99999999999999999999\"}}", "integer start and end");

  assert_int_equal (deadline_after (1000, 5), 6000);
  assert_int_equal (deadline_after (1000, 0), 1000);
  assert_int_equal (deadline_after (1000, -1), 1000);
  assert_true (deadline_after (1000, LLONG_MAX) == INT64_MAX);
  assert_true (deadline_after (INT64_MAX - 10, 1) == INT64_MAX);
  assert_true (deadline_after (0, INT64_MAX / 1000) == INT64_MAX / 1000 * 1000);

  step_view sv;
  json *s = J ("{\"name\":\"s\",\"action\":\"X\",\"timeoutSeconds\":\"9223372036854775807\",\"maxAttempts\":1e15}");
  plan_step_view (s, &sv);
  assert_int_equal (sv.timeout_seconds, KILN_STEP_MAX_TIMEOUT_SECONDS);
  assert_int_equal (sv.max_attempts, KILN_STEP_MAX_ATTEMPTS);
  json_free (s);
}

static void
expect_plan_error (const char *text, const char *fragment)
{
  json *p = J (text);
  char *err = NULL;
  assert_false (plan_check (p, "plan.json", &err));
  if (!strstr (err, fragment))
    fail_msg ("plan error '%s' lacks '%s'", err, fragment);
  free (err);
  json_free (p);
}

static void
test_plan_step_view_and_defaults (void **unused)
{
  json *p = J ("{\"version\":1,\"runId\":\"r\",\"phases\":[\"build\"],\"documents\":[{\"name\":\"d\",\"phases\":["
               "{\"name\":\"build\",\"steps\":[{\"name\":\"s\",\"action\":\"ExecuteBash\",\"timeoutSeconds\":-1,"
               "\"maxAttempts\":3,\"onFailure\":\"Continue\",\"loop\":null,\"if\":null,\"inputs\":{}}]}]}]}");
  char *err = NULL;
  assert_true (plan_check (p, "plan.json", &err));
  step_view sv;
  const json *step = json_at (json_get (json_at (json_get (json_at (json_get (p, "documents"), 0), "phases"), 0),
                                        "steps"), 0);
  plan_step_view (step, &sv);
  assert_string_equal (sv.name, "s");
  assert_int_equal (sv.timeout_seconds, -1);
  assert_int_equal (sv.max_attempts, 3);
  assert_int_equal (sv.on_failure, ON_FAILURE_CONTINUE);
  assert_null (sv.loop);
  assert_null (sv.cond);
  assert_non_null (sv.inputs);
  json_free (p);
  /* Defaults */
  json *s = J ("{\"name\":\"s\",\"action\":\"Reboot\"}");
  plan_step_view (s, &sv);
  assert_int_equal (sv.timeout_seconds, 7200);
  assert_int_equal (sv.max_attempts, 1);
  assert_int_equal (sv.on_failure, ON_FAILURE_ABORT);
  json_free (s);

  expect_plan_error ("[]", "expected an object");
  expect_plan_error ("{\"version\":2,\"documents\":[]}", "version: expected 1");
  expect_plan_error ("{\"version\":1}", "documents: expected a list, found nothing");
  expect_plan_error ("{\"version\":1,\"documents\":[{\"phases\":[]}]}", "documents[0]: name: expected a string");
  expect_plan_error ("{\"version\":1,\"documents\":[{\"name\":\"d\",\"phases\":[{\"name\":\"b\",\"steps\":{}}]}]}",
                     "phases[0].steps: expected a list, found an object");
  expect_plan_error ("{\"version\":1,\"documents\":[{\"name\":\"d\",\"phases\":[{\"name\":\"b\",\"steps\":["
                     "{\"name\":\"s\",\"action\":5}]}]}]}", "phases[0].steps[0].action: expected a string, found a number");
  expect_plan_error ("{\"version\":1,\"documents\":[{\"name\":\"d\",\"phases\":[{\"name\":\"b\",\"steps\":["
                     "{\"name\":\"s\",\"action\":\"X\",\"timeoutSeconds\":0}]}]}]}", "timeoutSeconds");
  expect_plan_error ("{\"version\":1,\"documents\":[{\"name\":\"d\",\"phases\":[{\"name\":\"b\",\"steps\":["
                     "{\"name\":\"s\",\"action\":\"X\",\"onFailure\":\"Retry\"}]}]}]}", "Abort, Continue or Ignore");
  expect_plan_error ("{\"version\":1,\"documents\":[{\"name\":\"d\",\"phases\":[{\"name\":\"b\",\"steps\":["
                     "{\"name\":\"s\",\"action\":\"X\",\"maxAttempts\":0}]}]}]}", "maxAttempts");
  expect_plan_error ("{\"version\":1,\"documents\":[{\"name\":\"d\",\"phases\":[{\"name\":\"b\",\"steps\":["
                     "{\"name\":\"s\",\"action\":\"X\",\"maxAttempts\":101}]}]}]}", "an integer from 1 to 100");
  expect_plan_error ("{\"version\":1,\"documents\":[{\"name\":\"d\",\"phases\":[{\"name\":\"b\",\"steps\":["
                     "{\"name\":\"s\",\"action\":\"X\",\"timeoutSeconds\":\"9223372036854775807\"}]}]}]}",
                     "-1 or 1 to 604800");

  json *f = J ("[\"build\",\"validate\"]");
  assert_true (plan_phase_selected (f, "validate"));
  assert_false (plan_phase_selected (f, "test"));
  json_free (f);
  f = J ("\"build, test\"");
  assert_true (plan_phase_selected (f, "test"));
  assert_false (plan_phase_selected (f, "validate"));
  json_free (f);
  f = J ("\"\"");
  assert_true (plan_phase_selected (f, "test"));
  json_free (f);
  assert_true (plan_phase_selected (NULL, "anything"));
}

static void
make_tool (const char *root, const char *dir, const char *name, mode_t mode)
{
  char *d = xasprintf ("%s%s", root, dir);
  assert_true (mkdir_p (d, 0755, NULL));
  char *p = path_join (d, name);
  assert_true (write_file_atomic (p, "#!/bin/sh\n", 10, mode, NULL));
  free (p);
  free (d);
}

static char *
argv_text (char **argv)
{
  strbuf sb = STRBUF_INIT;
  strbuf_init (&sb);
  for (char **a = argv; *a; a++)
    strbuf_addf (&sb, "%s%s", a == argv ? "" : " ", *a);
  return strbuf_steal (&sb);
}

static void
test_package_manager (void **unused)
{
  char root[] = "/tmp/kiln-agent-pkg-XXXXXX";
  assert_non_null (mkdtemp (root));
  assert_int_equal (pkgmgr_detect (root), PKG_NONE);
  make_tool (root, "/sbin", "apk", 0644); /* not executable: not a tool */
  assert_int_equal (pkgmgr_detect (root), PKG_NONE);
  make_tool (root, "/sbin", "apk", 0755);
  assert_int_equal (pkgmgr_detect (root), PKG_APK);
  make_tool (root, "/usr/bin", "zypper", 0755);
  assert_int_equal (pkgmgr_detect (root), PKG_ZYPPER);
  make_tool (root, "/usr/bin", "yum", 0755);
  assert_int_equal (pkgmgr_detect (root), PKG_YUM);
  make_tool (root, "/usr/bin", "dnf", 0755);
  assert_int_equal (pkgmgr_detect (root), PKG_DNF);   /* dnf before yum */
  make_tool (root, "/usr/bin", "apt-get", 0755);
  assert_int_equal (pkgmgr_detect (root), PKG_APT);
  char *p = pkgmgr_tool_path (root, "apt-get");
  char *want = xasprintf ("%s/usr/bin/apt-get", root);
  assert_string_equal (p, want);
  free (p);
  free (want);
  char *rm = xasprintf ("rm -rf '%s'", root);
  assert_int_equal (system (rm), 0);
  free (rm);

  char *inc[] = { "openssl", "curl" }, *exc[] = { "curl", "kernel" };
  size_t n;
  char *err = NULL;
  static const struct { pkg_manager m; int ni, ne; const char *const cmds[4]; } cases[] = {
    { PKG_APT, 0, 0, { "apt-get update", "apt-get -y -o Dpkg::Options::=--force-confdef -o "
                       "Dpkg::Options::=--force-confold upgrade --with-new-pkgs" } },
    { PKG_APT, 0, 2, { "apt-get update", "apt-mark hold curl kernel",
                       "apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold upgrade "
                       "--with-new-pkgs", "apt-mark unhold curl kernel" } },
    { PKG_APT, 2, 2, { "apt-get update", "apt-get -y -o Dpkg::Options::=--force-confdef -o "
                       "Dpkg::Options::=--force-confold install --only-upgrade openssl" } },
    { PKG_DNF, 0, 2, { "dnf -y upgrade --exclude=curl --exclude=kernel" } },
    { PKG_YUM, 2, 0, { "yum -y update openssl curl" } },
    { PKG_ZYPPER, 0, 1, { "zypper --non-interactive refresh", "zypper --non-interactive addlock curl",
                          "zypper --non-interactive update", "zypper --non-interactive removelock curl" } },
    { PKG_APK, 1, 0, { "apk update", "apk upgrade openssl" } },
  };
  for (size_t i = 0; i < ARRAY_LEN (cases); i++)
    {
      pkg_command *cmds = pkgmgr_commands (cases[i].m, inc, (size_t) cases[i].ni, exc, (size_t) cases[i].ne, &n, &err);
      assert_non_null (cmds);
      size_t want_n = 0;
      while (want_n < 4 && cases[i].cmds[want_n])
        want_n++;
      assert_int_equal (n, want_n);
      for (size_t j = 0; j < n; j++)
        {
          char *t = argv_text (cmds[j].argv);
          if (strcmp (t, cases[i].cmds[j]))
            fail_msg ("%s case %zu command %zu: <%s>, want <%s>", pkgmgr_name (cases[i].m), i, j, t, cases[i].cmds[j]);
          free (t);
        }
      if (cases[i].m == PKG_APT && cases[i].ne && !cases[i].ni)
        assert_true (cmds[3].always); /* the unhold runs even after a failure */
      pkgmgr_commands_free (cmds, n);
    }
  /* Everything included is excluded: nothing to run. */
  char *only_curl[] = { "curl" };
  pkg_command *none = pkgmgr_commands (PKG_APT, only_curl, 1, exc, 2, &n, &err);
  assert_non_null (none);
  assert_int_equal (n, 0);
  pkgmgr_commands_free (none, n);
  assert_null (pkgmgr_commands (PKG_APK, NULL, 0, exc, 1, &n, &err));
  assert_non_null (strstr (err, "apk cannot keep packages back"));
  free (err);
  err = NULL;
  assert_null (pkgmgr_commands (PKG_NONE, NULL, 0, NULL, 0, &n, &err));
  assert_non_null (strstr (err, "no supported package manager"));
  free (err);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_string_operators),
    cmocka_unit_test (test_re2_patterns_through_posix),
    cmocka_unit_test (test_number_operators),
    cmocka_unit_test (test_logical_operators),
    cmocka_unit_test (test_file_operators),
    cmocka_unit_test (test_if_then_else_decides_execute_skip_or_abort),
    cmocka_unit_test (test_expand_chained_outputs_and_loop_variables),
    cmocka_unit_test (test_loop_iterations_and_refused_loops),
    cmocka_unit_test (test_plan_step_view_and_defaults),
    cmocka_unit_test (test_numbers_at_the_limits_do_not_overflow),
    cmocka_unit_test (test_package_manager),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
