/* encoding.c - UTF-8 <-> UTF-16/UTF-32 */
#include "encoding.h"

#include <ctype.h>
#include <string.h>

#include "util.h"

bool
encoding_from_name (const char *name, text_encoding *out)
{
  char norm[16];
  size_t n = 0;
  for (const char *p = name; *p; p++)
    {
      if (*p == '-' || *p == '_')
        continue;
      if (n + 1 >= sizeof norm)
        return false;
      norm[n++] = (char) tolower ((unsigned char) *p);
    }
  norm[n] = '\0';
  static const struct { const char *name; text_encoding enc; } names[] = {
    { "utf8", ENC_UTF8 },
    { "utf16", ENC_UTF16LE }, { "utf16le", ENC_UTF16LE }, { "utf16be", ENC_UTF16BE },
    { "utf32", ENC_UTF32LE }, { "utf32le", ENC_UTF32LE }, { "utf32be", ENC_UTF32BE },
  };
  for (size_t i = 0; i < ARRAY_LEN (names); i++)
    if (strcmp (norm, names[i].name) == 0)
      {
        *out = names[i].enc;
        return true;
      }
  return false;
}

const char *
encoding_name (text_encoding enc)
{
  static const char *const names[] = { "utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be" };
  return names[enc];
}

/* Decodes one code point from valid UTF-8 at s (len bytes available);
 * returns its length or 0 when invalid. */
static size_t
utf8_decode_one (const unsigned char *s, size_t len, unsigned *cp)
{
  if (s[0] < 0x80)
    {
      *cp = s[0];
      return 1;
    }
  size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
  if (n > len || !utf8_valid ((const char *) s, n))
    return 0;
  if (n == 2)
    *cp = (unsigned) (s[0] & 0x1F) << 6 | (s[1] & 0x3F);
  else if (n == 3)
    *cp = (unsigned) (s[0] & 0x0F) << 12 | (unsigned) (s[1] & 0x3F) << 6 | (s[2] & 0x3F);
  else
    *cp = (unsigned) (s[0] & 0x07) << 18 | (unsigned) (s[1] & 0x3F) << 12
          | (unsigned) (s[2] & 0x3F) << 6 | (s[3] & 0x3F);
  return n;
}

static void
put_unit (strbuf *out, unsigned v, int bytes, bool big)
{
  unsigned char b[4];
  for (int i = 0; i < bytes; i++)
    {
      int shift = big ? 8 * (bytes - 1 - i) : 8 * i;
      b[i] = (unsigned char) (v >> shift);
    }
  strbuf_add (out, b, (size_t) bytes);
}

bool
encoding_encode (text_encoding enc, const char *utf8, size_t len, strbuf *out, char **err)
{
  const unsigned char *s = (const unsigned char *) utf8;
  if (enc == ENC_UTF8)
    {
      strbuf_add (out, utf8, len);
      return true;
    }
  bool big = enc == ENC_UTF16BE || enc == ENC_UTF32BE;
  bool wide = enc == ENC_UTF32LE || enc == ENC_UTF32BE;
  size_t i = 0;
  while (i < len)
    {
      unsigned cp;
      size_t n = utf8_decode_one (s + i, len - i, &cp);
      if (n == 0)
        {
          if (err)
            *err = xasprintf ("content is not valid UTF-8 (byte %zu)", i);
          return false;
        }
      i += n;
      if (wide)
        put_unit (out, cp, 4, big);
      else if (cp < 0x10000)
        put_unit (out, cp, 2, big);
      else
        {
          cp -= 0x10000;
          put_unit (out, 0xD800 | (cp >> 10), 2, big);
          put_unit (out, 0xDC00 | (cp & 0x3FF), 2, big);
        }
    }
  return true;
}

static unsigned
get_unit (const unsigned char *p, int bytes, bool big)
{
  unsigned v = 0;
  for (int i = 0; i < bytes; i++)
    {
      int shift = big ? 8 * (bytes - 1 - i) : 8 * i;
      v |= (unsigned) p[i] << shift;
    }
  return v;
}

bool
encoding_decode (text_encoding enc, const char *data, size_t len, strbuf *out, char **err)
{
  const unsigned char *s = (const unsigned char *) data;
  size_t bom = 0;
  text_encoding marked = encoding_detect_bom (data, len, &bom);
  if (bom && marked != enc)
    bom = 0; /* a mark for another encoding is data, not a mark */
  s += bom;
  len -= bom;
  if (enc == ENC_UTF8)
    {
      strbuf_add (out, s, len);
      return true;
    }
  bool big = enc == ENC_UTF16BE || enc == ENC_UTF32BE;
  int unit = enc == ENC_UTF32LE || enc == ENC_UTF32BE ? 4 : 2;
  if (len % (size_t) unit)
    {
      if (err)
        *err = xasprintf ("not %s: length %zu is not a multiple of %d", encoding_name (enc), len, unit);
      return false;
    }
  for (size_t i = 0; i < len; i += (size_t) unit)
    {
      unsigned cp = get_unit (s + i, unit, big);
      if (unit == 2 && cp >= 0xD800 && cp <= 0xDBFF && i + 2 < len)
        {
          unsigned lo = get_unit (s + i + 2, 2, big);
          if (lo >= 0xDC00 && lo <= 0xDFFF)
            {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              i += 2;
            }
        }
      if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        {
          if (err)
            *err = xasprintf ("not %s: invalid code unit at byte %zu", encoding_name (enc), i + bom);
          return false;
        }
      strbuf_add_utf8 (out, cp);
    }
  return true;
}

text_encoding
encoding_detect_bom (const char *data, size_t len, size_t *bom_len)
{
  const unsigned char *s = (const unsigned char *) data;
  *bom_len = 0;
  if (len >= 4 && s[0] == 0xFF && s[1] == 0xFE && s[2] == 0 && s[3] == 0)
    {
      *bom_len = 4;
      return ENC_UTF32LE;
    }
  if (len >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0xFE && s[3] == 0xFF)
    {
      *bom_len = 4;
      return ENC_UTF32BE;
    }
  if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
    {
      *bom_len = 3;
      return ENC_UTF8;
    }
  if (len >= 2 && s[0] == 0xFF && s[1] == 0xFE)
    {
      *bom_len = 2;
      return ENC_UTF16LE;
    }
  if (len >= 2 && s[0] == 0xFE && s[1] == 0xFF)
    {
      *bom_len = 2;
      return ENC_UTF16BE;
    }
  return ENC_UTF8;
}
