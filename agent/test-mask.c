/* test-mask.c - secret values replaced by *** in what the agent reports */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"
#include "mask.h"
#include "util.h"

static void
set_secrets (const char *list_json)
{
  char *err = NULL;
  json *list = json_parse (list_json, strlen (list_json), &err);
  assert_non_null (list);
  mask_set_secrets (list);
  json_free (list);
}

static char *
masked (const char *text)
{
  return mask_string (text);
}

static void
assert_masked (const char *text, const char *want)
{
  char *got = masked (text);
  assert_string_equal (got, want);
  free (got);
}

/* Feeds text in pieces of `step` bytes (cycling through `steps` when step is
 * 0) and returns what the stream let out. */
static char *
streamed (const char *text, size_t step)
{
  mask_stream ms = MASK_STREAM_INIT;
  strbuf out = STRBUF_INIT;
  strbuf_init (&out);
  size_t len = strlen (text), off = 0, k = 1;
  while (off < len)
    {
      size_t n = step ? step : k++ % 5 + 1;
      if (n > len - off)
        n = len - off;
      mask_stream_feed (&ms, text + off, n, &out);
      off += n;
    }
  mask_stream_finish (&ms, &out);
  mask_stream_free (&ms);
  return strbuf_steal (&out);
}

static void
test_no_secrets_passes_through (void **state)
{
  (void) state;
  mask_set_secrets (NULL);
  assert_false (mask_active ());
  assert_masked ("hunter2 is here", "hunter2 is here");
}

static void
test_every_occurrence_masked (void **state)
{
  (void) state;
  set_secrets ("[\"hunter2\", \"s3cr3t-token\"]");
  assert_true (mask_active ());
  assert_masked ("pw=hunter2 tok=s3cr3t-token hunter2hunter2",
                 "pw=*** tok=*** ******");
  assert_masked ("hunter", "hunter");
  assert_masked ("", "");
}

static void
test_longest_secret_wins (void **state)
{
  (void) state;
  set_secrets ("[\"abcd\", \"abcdefgh\"]");
  assert_masked ("xxabcdefghyy", "xx***yy");
  assert_masked ("abcdz", "***z");
  /* in a stream too: "abcd" is whole before "efgh" arrives */
  for (size_t step = 1; step <= 9; step++)
    {
      char *got = streamed ("xxabcdefghyy abcdz", step);
      assert_string_equal (got, "xx***yy ***z");
      free (got);
    }
}

static void
test_empty_and_non_strings_ignored (void **state)
{
  (void) state;
  set_secrets ("[\"\", 5, null, \"k3y!\"]");
  assert_masked ("a k3y! b", "a *** b");
  set_secrets ("[\"\"]");
  assert_false (mask_active ());
}

static void
test_short_and_asterisk_secrets (void **state)
{
  (void) state;
  /* short values are masked too, at the price of masking the same bytes
   * elsewhere (docs/outputs.md, "Secrets") */
  set_secrets ("[\"ab\"]");
  assert_masked ("abc cab", "***c c***");
  set_secrets ("[\"*\"]");
  assert_masked ("a*b", "a***b");
}

/* A secret cut by a read at every possible place, and one holding a line
 * break, are masked whole. */
static void
test_stream_masks_across_chunks (void **state)
{
  (void) state;
  set_secrets ("[\"correct horse\", \"line one\\nline two\"]");
  const char *text = "before correct horse after\nkey: line one\nline two\nend correct hors";
  const char *want = "before *** after\nkey: ***\nend correct hors";
  for (size_t step = 0; step <= strlen (text); step++)
    {
      char *got = streamed (text, step);
      assert_string_equal (got, want);
      free (got);
    }
}

/* Whatever the chunking, a stream lets out what masking the whole text
 * gives, and never more than the longest secret stays held. */
static void
test_stream_equals_whole (void **state)
{
  (void) state;
  set_secrets ("[\"aab\", \"abab\", \"ba\"]");
  unsigned seed = 7;
  for (int round = 0; round < 500; round++)
    {
      char text[40];
      size_t len = (size_t) (round % 39);
      for (size_t i = 0; i < len; i++)
        {
          seed = seed * 1103515245u + 12345u;
          text[i] = "ab\n"[(seed >> 16) % 3];
        }
      text[len] = '\0';
      char *whole = masked (text);
      mask_stream ms = MASK_STREAM_INIT;
      strbuf out = STRBUF_INIT;
      strbuf_init (&out);
      for (size_t off = 0; off < len;)
        {
          seed = seed * 1103515245u + 12345u;
          size_t n = (seed >> 16) % 4 + 1;
          if (n > len - off)
            n = len - off;
          mask_stream_feed (&ms, text + off, n, &out);
          assert_true (ms.held.len < 4);
          off += n;
        }
      mask_stream_finish (&ms, &out);
      assert_string_equal (out.data, whole);
      strbuf_free (&out);
      mask_stream_free (&ms);
      free (whole);
    }
}

static void
test_json_values_masked_keys_kept (void **state)
{
  (void) state;
  set_secrets ("[\"hunter2\"]");
  const char *text = "{\"hunter2\":\"x hunter2\",\"outputs\":{\"stdout\":\"hunter2\\n\",\"n\":[1,\"hunter2\"]}}";
  char *err = NULL;
  json *e = json_parse (text, strlen (text), &err);
  assert_non_null (e);
  mask_json (e);
  strbuf sb = STRBUF_INIT;
  strbuf_init (&sb);
  json_serialize_to (&sb, e);
  assert_string_equal (sb.data, "{\"hunter2\":\"x ***\",\"outputs\":{\"stdout\":\"***\\n\",\"n\":[1,\"***\"]}}");
  strbuf_free (&sb);
  json_free (e);
}

static int
teardown (void **state)
{
  (void) state;
  mask_set_secrets (NULL);
  return 0;
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown (test_no_secrets_passes_through, teardown),
    cmocka_unit_test_teardown (test_every_occurrence_masked, teardown),
    cmocka_unit_test_teardown (test_longest_secret_wins, teardown),
    cmocka_unit_test_teardown (test_empty_and_non_strings_ignored, teardown),
    cmocka_unit_test_teardown (test_short_and_asterisk_secrets, teardown),
    cmocka_unit_test_teardown (test_stream_masks_across_chunks, teardown),
    cmocka_unit_test_teardown (test_stream_equals_whole, teardown),
    cmocka_unit_test_teardown (test_json_values_masked_keys_kept, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
