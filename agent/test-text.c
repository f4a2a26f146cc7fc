/* test-text.c - hashes, text encodings and the UTF-8 helpers */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "encoding.h"
#include "fsutil.h"
#include "hash.h"
#include "util.h"

/* Expected digests computed with Python's hashlib (an independent
 * implementation).  Inputs: text, or n bytes (i * 7 + 3) % 256. */
static const struct { const char *text; int n; const char *md5, *sha1, *sha256, *sha512; } vectors[] = {
  { "", -1,
    "d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e" },
  { "abc", -1,
    "900150983cd24fb0d6963f7d28e17f72", "a9993e364706816aba3e25717850c26c9cd0d89d",
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f" },
  { "The quick brown fox jumps over the lazy dog", -1,
    "9e107d9d372bb6826bd81d3542a419d6", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
    "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",
    "07e547d9586f6a73f73fbac0435ed76951218fb7d0c8d788a309d785436bbb642e93a252a954f23912547d1e8a3b5ed6e1bfd7097821233fa0538f3db854fee6" },
  { NULL, 55,
    "52c0e574e1198de5fe3f8f11440dcb1b", "ddf57317ef34bfee3b6df83d359098930eb278bc",
    "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b",
    "14fd424b1fcadee624da946ab03f7e1def7c0d6e00f689594319881a26ff30b875ba4c622ac13100c8cc784c9c2eb23159aecbb4a02e3999062f551193e2b256" },
  { NULL, 56,
    "46c9907fc908ee68b1e7b8e71286a518", "a0d492bb0fc889d0eca3bc137066ab6f4f74f369",
    "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27",
    "480fa85be41ef55a41208ca28ffc8743c91cf7d24758defe6f95bfb16de614fc86b701034896b047dd571de4318853d80e0809df162f1752cb26da6ddb94a0dd" },
  { NULL, 63,
    "a62f6d59e837867693f042f5b8f5a236", "c55856749bef509bdfe6bfebfc7bf4e793e82132",
    "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055",
    "ecd42a703a4e93e163d60d55e3785b1a763838b0351bc2e6f7c94b4bfb24f9aa15da5d744ebcebe11f0fc4315d45ba3a047b6e60e07448357f2795bf34b73502" },
  { NULL, 64,
    "7160b8fb5e9e4023d549c3971fbaeead", "bede92be29c3874e1b54ddc77988d606fc857a8e",
    "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241",
    "8f3cc30b3fb5bf963688a46488249248ac2c67f0f85a145233c6c1e3c16dcd1df634c07d1d31da02576f65b9cf64e1c3fdb318b689b8a14e2e9552bcf30fb133" },
  { NULL, 65,
    "70bd662e7aefbda85a0f7244167b7897", "b05a80522b053d6dc7e0a517d0e70212c7dad11f",
    "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e",
    "22050d1b2c5bd016c4b04c3e84f513ffbbbc057f83dc9ab196fee6684e5ee19d98b84c6538b3c5e1fc67dbc484e9d0a198254e41d0fa0cf5106991e106632419" },
  { NULL, 111,
    "13f00cb15f0c3fe588d1c17cde14b38f", "4a01b1272627e5be00f57bc3c3029c23a452e629",
    "67d9492e628fd376e0b2efec8ca2b99b123e202cf620deb270728df979b2f73e",
    "68cffa6d0d76f309c9ce0d35280939f8e25990c43b7b086ccdf709be35b07d4ddba599541ff2b1c19d34ea49aeafb9659adb7ac3c0b078bb30a22d57fc6687ef" },
  { NULL, 112,
    "5fe6a9f76b541ec645559589da9a088a", "54c08c2a0ed21de25e3d8606c3929454eb1d3f8b",
    "96b928cff8528dbb99602c709a65b846cb6467acb8b722f0d758e4dc27bfc508",
    "d0865c524d1dddf7c23b799c413f5adcd7caefd3f66a9b49750ec81066012c25a8bcf94ddea6dc525691673097ca40e0101e897fc97218cfdb0704084e2bef4b" },
  { NULL, 127,
    "acce2474d6cc8302120d09c818d17ef7", "34d5e582029e9b9b85b2febe31da3db7cdabaaea",
    "a8d23e75d936f303d248888d9b165ee543f4cbafcad3c9dd2a79bd84faa11d07",
    "e0b6a20f1c0c88970a9340152cd5a1c1ecf3d3b8de55102741879438079473540133b812706e5dbec322c8c9523b6fc8c6d16ee626e87ad5fe3d2916afedc369" },
  { NULL, 128,
    "10b2da1a82f16d99a81a7203fe9f02cb", "a09133e6730ffe899efb70204cb5646cd5dc24ee",
    "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6",
    "99b16f17aa0b969a5b8f08f367719d516e330ccd2660b6f0688ec031dbc783de50a1cd185a2568dba75070a2403d17d4741d163578515dfd2ff756ddfe4d47b1" },
  { NULL, 129,
    "03fefbbcebe2959cf2270241aafe0250", "808aea332ce367541d37adae7f94e59c5c1a934e",
    "307f8fc2c1622b92762e818d39a185d4d667ad49a4b07ceae1f4afa008a93ec4",
    "a1556e29185778aa5991e34b8884c840d589f0fbb4b8ed590e51e9ac4eb03a008125000db2671f8fe7f485b59a77b518670078ecb41a54b4cd02a7f1d2ca4c6d" },
  { NULL, 1000,
    "10046f077f2082ac19676b8079f1cb1a", "4231a8a50a10fa9758db8ec71fdef855b751048a",
    "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371",
    "00e36fccf193e59697a92b5ab24666ce6326d7fa16bf10832d0991ddc591112e9dfa6a636950ed9c4d67344a760654c2ff7785e1d60094d651038735b5dccabd" },
};
static const char *const million_a[4] = {
  "7707d6ae4e027c70eea2a935c2296f21", "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
  "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b" };

static void
test_hash_vectors (void **unused)
{
  for (size_t i = 0; i < ARRAY_LEN (vectors); i++)
    {
      size_t n = vectors[i].text ? strlen (vectors[i].text) : (size_t) vectors[i].n;
      unsigned char *data = xmalloc (n + 1);
      if (vectors[i].text)
        memcpy (data, vectors[i].text, n);
      else
        for (size_t j = 0; j < n; j++)
          data[j] = (unsigned char) ((j * 7 + 3) % 256);
      const char *want[4] = { vectors[i].md5, vectors[i].sha1, vectors[i].sha256, vectors[i].sha512 };
      for (int alg = HASH_MD5; alg <= HASH_SHA512; alg++)
        {
          char *got = hash_hex ((hash_alg) alg, data, n);
          if (strcmp (got, want[alg]))
            fail_msg ("%s of vector %zu (%zu bytes): got %s, want %s", hash_alg_name ((hash_alg) alg), i, n, got,
                      want[alg]);
          free (got);
          /* Fed in uneven pieces, the digest is the same. */
          hash_ctx c;
          unsigned char d[HASH_MAX_DIGEST];
          hash_init (&c, (hash_alg) alg);
          for (size_t off = 0, step = 1; off < n; off += step, step = step * 3 % 97 + 1)
            hash_update (&c, data + off, off + step > n ? n - off : step);
          hash_final (&c, d);
          char hex[2 * HASH_MAX_DIGEST + 1];
          for (size_t k = 0; k < hash_digest_len ((hash_alg) alg); k++)
            snprintf (hex + 2 * k, 3, "%02x", d[k]);
          assert_string_equal (hex, want[alg]);
        }
      free (data);
    }
}

static void
test_hash_file (void **unused)
{
  char path[] = "/tmp/kiln-agent-test-XXXXXX";
  int fd = mkstemp (path);
  assert_true (fd >= 0);
  char *block = xmalloc (1000);
  memset (block, 'a', 1000);
  for (int i = 0; i < 1000; i++)
    assert_true (write_all (fd, block, 1000));
  close (fd);
  free (block);
  for (int alg = HASH_MD5; alg <= HASH_SHA512; alg++)
    {
      char *got = hash_file_hex (path, (hash_alg) alg, NULL);
      assert_string_equal (got, million_a[alg]);
      free (got);
    }
  unlink (path);
  char *err = NULL;
  assert_null (hash_file_hex (path, HASH_SHA256, &err));
  assert_non_null (strstr (err, "No such file"));
  free (err);

  hash_alg a;
  assert_true (hash_alg_from_name ("SHA256", &a) && a == HASH_SHA256);
  assert_true (hash_alg_from_name ("sha-1", &a) && a == HASH_SHA1);
  assert_true (hash_alg_from_name ("Md5", &a) && a == HASH_MD5);
  assert_true (hash_alg_from_name ("SHA512", &a) && a == HASH_SHA512);
  assert_false (hash_alg_from_name ("sha384", &a));
  assert_false (hash_alg_from_name ("", &a));
}

static void
roundtrip (text_encoding enc, const char *utf8, const char *bytes, size_t nbytes)
{
  strbuf out = STRBUF_INIT, back = STRBUF_INIT;
  strbuf_init (&out);
  strbuf_init (&back);
  char *err = NULL;
  assert_true (encoding_encode (enc, utf8, strlen (utf8), &out, &err));
  assert_int_equal (out.len, nbytes);
  assert_memory_equal (out.data, bytes, nbytes);
  assert_true (encoding_decode (enc, out.data, out.len, &back, &err));
  assert_string_equal (back.data, utf8);
  strbuf_free (&out);
  strbuf_free (&back);
}

static void
test_encodings_convert_refuse_and_detect_boms (void **unused)
{
  /* "A" U+00E9 U+1F600 */
  const char *text = "A\xc3\xa9\xf0\x9f\x98\x80";
  roundtrip (ENC_UTF8, text, text, strlen (text));
  roundtrip (ENC_UTF16LE, text, "A\0\xe9\0\x3d\xd8\x00\xde", 8);
  roundtrip (ENC_UTF16BE, text, "\0A\0\xe9\xd8\x3d\xde\x00", 8);
  roundtrip (ENC_UTF32LE, text, "A\0\0\0\xe9\0\0\0\x00\xf6\x01\0", 12);
  roundtrip (ENC_UTF32BE, text, "\0\0\0A\0\0\0\xe9\0\x01\xf6\x00", 12);

  static const struct { const char *name; text_encoding enc; } names[] = {
    { "utf8", ENC_UTF8 }, { "UTF-8", ENC_UTF8 }, { "utf16", ENC_UTF16LE }, { "UTF-16", ENC_UTF16LE },
    { "utf16-LE", ENC_UTF16LE }, { "utf-16-le", ENC_UTF16LE }, { "utf16-BE", ENC_UTF16BE },
    { "UTF-16-BE", ENC_UTF16BE }, { "utf32", ENC_UTF32LE }, { "UTF-32", ENC_UTF32LE },
    { "utf32-le", ENC_UTF32LE }, { "utf-32-BE", ENC_UTF32BE },
  };
  for (size_t i = 0; i < ARRAY_LEN (names); i++)
    {
      text_encoding e;
      if (!encoding_from_name (names[i].name, &e) || e != names[i].enc)
        fail_msg ("encoding name %s", names[i].name);
    }
  text_encoding e;
  assert_false (encoding_from_name ("latin1", &e));
  assert_false (encoding_from_name ("ascii", &e));
  assert_false (encoding_from_name ("", &e));

  /* Invalid input is refused with a reason. */
  strbuf out = STRBUF_INIT;
  strbuf_init (&out);
  char *err = NULL;
  assert_false (encoding_encode (ENC_UTF16LE, "a\xff", 2, &out, &err));
  assert_non_null (strstr (err, "not valid UTF-8"));
  free (err);
  err = NULL;
  assert_false (encoding_decode (ENC_UTF16LE, "abc", 3, &out, &err));
  assert_non_null (strstr (err, "multiple of 2"));
  free (err);
  err = NULL;
  assert_false (encoding_decode (ENC_UTF16LE, "\x00\xdc", 2, &out, &err)); /* lone low surrogate */
  free (err);
  err = NULL;
  assert_false (encoding_decode (ENC_UTF32LE, "\x00\x00\x11\x00", 4, &out, &err)); /* > U+10FFFF */
  free (err);
  strbuf_reset (&out);

  /* Byte order marks: detected, and dropped when decoding. */
  size_t bom;
  assert_int_equal (encoding_detect_bom ("\xff\xfe" "a\0", 4, &bom), ENC_UTF16LE);
  assert_int_equal (bom, 2);
  assert_int_equal (encoding_detect_bom ("\xfe\xff\0a", 4, &bom), ENC_UTF16BE);
  assert_int_equal (encoding_detect_bom ("\xff\xfe\0\0", 4, &bom), ENC_UTF32LE);
  assert_int_equal (bom, 4);
  assert_int_equal (encoding_detect_bom ("\0\0\xfe\xff", 4, &bom), ENC_UTF32BE);
  assert_int_equal (encoding_detect_bom ("\xef\xbb\xbfx", 4, &bom), ENC_UTF8);
  assert_int_equal (bom, 3);
  assert_int_equal (encoding_detect_bom ("plain", 5, &bom), ENC_UTF8);
  assert_int_equal (bom, 0);
  assert_true (encoding_decode (ENC_UTF16LE, "\xff\xfe" "h\0i\0", 6, &out, &err));
  assert_string_equal (out.data, "hi");
  strbuf_free (&out);
}

static void
test_utf8_helpers (void **unused)
{
  assert_true (utf8_valid ("", 0));
  assert_true (utf8_valid ("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10));
  assert_false (utf8_valid ("\xc3", 1));
  assert_false (utf8_valid ("\xed\xa0\x80", 3));
  assert_false (utf8_valid ("a\0b", 3));
  /* An unfinished sequence at the end is held back. */
  assert_int_equal (utf8_complete_prefix ("ab\xe2\x82", 4), 2);
  assert_int_equal (utf8_complete_prefix ("ab\xe2", 3), 2);
  assert_int_equal (utf8_complete_prefix ("ab\xe2\x82\xac", 5), 5);
  assert_int_equal (utf8_complete_prefix ("\xf0\x9f\x98", 3), 0);
  assert_int_equal (utf8_complete_prefix ("abc", 3), 3);
  assert_int_equal (utf8_complete_prefix ("", 0), 0);
  /* Truncation never cuts a sequence. */
  assert_int_equal (utf8_truncate ("a\xe2\x82\xac", 4, 3), 1);
  assert_int_equal (utf8_truncate ("a\xe2\x82\xac", 4, 4), 4);
  assert_int_equal (utf8_truncate ("abcd", 4, 2), 2);

  char t[32];
  format_rfc3339 (1714564800123LL, t);
  assert_string_equal (t, "2024-05-01T12:00:00.123Z");
  char *s = str_trim_dup ("  a b \n");
  assert_string_equal (s, "a b");
  free (s);
  assert_true (str_is_blank (" \t\n"));
  assert_false (str_is_blank (" x "));
  assert_int_equal (str_casecmp ("ABC", "abc"), 0);
  assert_true (str_casecmp ("abc", "abd") < 0);

  char *d = path_dirname ("/a/b/c"), *b = path_basename ("/a/b/c/");
  assert_string_equal (d, "/a/b");
  assert_string_equal (b, "c");
  free (d);
  free (b);
  d = path_dirname ("c");
  assert_string_equal (d, ".");
  free (d);
  d = path_dirname ("/c");
  assert_string_equal (d, "/");
  free (d);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_hash_vectors),
    cmocka_unit_test (test_hash_file),
    cmocka_unit_test (test_encodings_convert_refuse_and_detect_boms),
    cmocka_unit_test (test_utf8_helpers),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
