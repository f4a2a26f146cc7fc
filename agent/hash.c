/* hash.c - MD5, SHA-1, SHA-256 and SHA-512 */
#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* Round constants, computed from their definitions:
 * md5_t[i] = floor(|sin(i + 1)| * 2^32); sha256/512 K and H0 = the first 32/64
 * bits of the fractional parts of the cube / square roots of the first primes. */
static const uint32_t md5_t[64] = {
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee,
  0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
  0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
  0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
  0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa,
  0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
  0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
  0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
  0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
  0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
  0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05,
  0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
  0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039,
  0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
  0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
  0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};
static const uint32_t sha256_k[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
  0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
  0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};
static const uint32_t sha256_h0[8] = {
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};
static const uint64_t sha512_k[80] = {
  0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
  0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
  0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
  0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
  0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
  0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
  0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
  0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
  0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
  0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
  0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
  0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
  0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
  0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
  0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
  0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
  0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
  0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
  0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
  0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};
static const uint64_t sha512_h0[8] = {
  0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
  0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static const int md5_r[64] = {
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
};

static inline uint32_t rol32 (uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
static inline uint32_t ror32 (uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
static inline uint64_t ror64 (uint64_t x, int n) { return (x >> n) | (x << (64 - n)); }

static uint32_t
load_le32 (const unsigned char *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static uint32_t
load_be32 (const unsigned char *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | (uint32_t) p[3];
}

static uint64_t
load_be64 (const unsigned char *p)
{
  return (uint64_t) load_be32 (p) << 32 | load_be32 (p + 4);
}

static void
md5_block (uint32_t *h, const unsigned char *blk)
{
  uint32_t m[16];
  for (int i = 0; i < 16; i++)
    m[i] = load_le32 (blk + 4 * i);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  for (int i = 0; i < 64; i++)
    {
      uint32_t f;
      int g;
      if (i < 16)
        {
          f = (b & c) | (~b & d);
          g = i;
        }
      else if (i < 32)
        {
          f = (d & b) | (~d & c);
          g = (5 * i + 1) % 16;
        }
      else if (i < 48)
        {
          f = b ^ c ^ d;
          g = (3 * i + 5) % 16;
        }
      else
        {
          f = c ^ (b | ~d);
          g = (7 * i) % 16;
        }
      uint32_t tmp = d;
      d = c;
      c = b;
      b = b + rol32 (a + f + md5_t[i] + m[g], md5_r[i]);
      a = tmp;
    }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
}

static void
sha1_block (uint32_t *h, const unsigned char *blk)
{
  uint32_t w[80];
  for (int i = 0; i < 16; i++)
    w[i] = load_be32 (blk + 4 * i);
  for (int i = 16; i < 80; i++)
    w[i] = rol32 (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; i++)
    {
      uint32_t f, k;
      if (i < 20)
        {
          f = (b & c) | (~b & d);
          k = 0x5a827999;
        }
      else if (i < 40)
        {
          f = b ^ c ^ d;
          k = 0x6ed9eba1;
        }
      else if (i < 60)
        {
          f = (b & c) | (b & d) | (c & d);
          k = 0x8f1bbcdc;
        }
      else
        {
          f = b ^ c ^ d;
          k = 0xca62c1d6;
        }
      uint32_t t = rol32 (a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = rol32 (b, 30);
      b = a;
      a = t;
    }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

static void
sha256_block (uint32_t *h, const unsigned char *blk)
{
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = load_be32 (blk + 4 * i);
  for (int i = 16; i < 64; i++)
    {
      uint32_t s0 = ror32 (w[i - 15], 7) ^ ror32 (w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = ror32 (w[i - 2], 17) ^ ror32 (w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
  uint32_t v[8];
  memcpy (v, h, sizeof v);
  for (int i = 0; i < 64; i++)
    {
      uint32_t S1 = ror32 (v[4], 6) ^ ror32 (v[4], 11) ^ ror32 (v[4], 25);
      uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
      uint32_t t1 = v[7] + S1 + ch + sha256_k[i] + w[i];
      uint32_t S0 = ror32 (v[0], 2) ^ ror32 (v[0], 13) ^ ror32 (v[0], 22);
      uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
      uint32_t t2 = S0 + maj;
      memmove (v + 1, v, 7 * sizeof *v);
      v[4] += t1;
      v[0] = t1 + t2;
    }
  for (int i = 0; i < 8; i++)
    h[i] += v[i];
}

static void
sha512_block (uint64_t *h, const unsigned char *blk)
{
  uint64_t w[80];
  for (int i = 0; i < 16; i++)
    w[i] = load_be64 (blk + 8 * i);
  for (int i = 16; i < 80; i++)
    {
      uint64_t s0 = ror64 (w[i - 15], 1) ^ ror64 (w[i - 15], 8) ^ (w[i - 15] >> 7);
      uint64_t s1 = ror64 (w[i - 2], 19) ^ ror64 (w[i - 2], 61) ^ (w[i - 2] >> 6);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
  uint64_t v[8];
  memcpy (v, h, sizeof v);
  for (int i = 0; i < 80; i++)
    {
      uint64_t S1 = ror64 (v[4], 14) ^ ror64 (v[4], 18) ^ ror64 (v[4], 41);
      uint64_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
      uint64_t t1 = v[7] + S1 + ch + sha512_k[i] + w[i];
      uint64_t S0 = ror64 (v[0], 28) ^ ror64 (v[0], 34) ^ ror64 (v[0], 39);
      uint64_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
      uint64_t t2 = S0 + maj;
      memmove (v + 1, v, 7 * sizeof *v);
      v[4] += t1;
      v[0] = t1 + t2;
    }
  for (int i = 0; i < 8; i++)
    h[i] += v[i];
}

bool
hash_alg_from_name (const char *name, hash_alg *out)
{
  static const struct { const char *name; hash_alg alg; } names[] = {
    { "md5", HASH_MD5 }, { "sha1", HASH_SHA1 }, { "sha-1", HASH_SHA1 },
    { "sha256", HASH_SHA256 }, { "sha-256", HASH_SHA256 },
    { "sha512", HASH_SHA512 }, { "sha-512", HASH_SHA512 },
  };
  for (size_t i = 0; i < ARRAY_LEN (names); i++)
    if (str_casecmp (name, names[i].name) == 0)
      {
        *out = names[i].alg;
        return true;
      }
  return false;
}

const char *
hash_alg_name (hash_alg alg)
{
  static const char *const names[] = { "MD5", "SHA1", "SHA256", "SHA512" };
  return names[alg];
}

size_t
hash_digest_len (hash_alg alg)
{
  static const size_t lens[] = { 16, 20, 32, 64 };
  return lens[alg];
}

static size_t
block_len (hash_alg alg)
{
  return alg == HASH_SHA512 ? 128 : 64;
}

void
hash_init (hash_ctx *c, hash_alg alg)
{
  memset (c, 0, sizeof *c);
  c->alg = alg;
  static const uint32_t md5_sha1_h0[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
  switch (alg)
    {
    case HASH_MD5:
    case HASH_SHA1:
      memcpy (c->s.h32, md5_sha1_h0, sizeof md5_sha1_h0);
      break;
    case HASH_SHA256:
      memcpy (c->s.h32, sha256_h0, sizeof sha256_h0);
      break;
    case HASH_SHA512:
      memcpy (c->s.h64, sha512_h0, sizeof sha512_h0);
      break;
    }
}

static void
process_block (hash_ctx *c, const unsigned char *blk)
{
  switch (c->alg)
    {
    case HASH_MD5: md5_block (c->s.h32, blk); break;
    case HASH_SHA1: sha1_block (c->s.h32, blk); break;
    case HASH_SHA256: sha256_block (c->s.h32, blk); break;
    case HASH_SHA512: sha512_block (c->s.h64, blk); break;
    }
}

void
hash_update (hash_ctx *c, const void *data, size_t len)
{
  const unsigned char *p = data;
  size_t bl = block_len (c->alg);
  c->total += len;
  while (len)
    {
      size_t take = bl - c->buffered;
      if (take > len)
        take = len;
      memcpy (c->block + c->buffered, p, take);
      c->buffered += take;
      p += take;
      len -= take;
      if (c->buffered == bl)
        {
          process_block (c, c->block);
          c->buffered = 0;
        }
    }
}

void
hash_final (hash_ctx *c, unsigned char *digest)
{
  size_t bl = block_len (c->alg);
  size_t lenbytes = c->alg == HASH_SHA512 ? 16 : 8;
  uint64_t bits = c->total * 8;
  c->block[c->buffered++] = 0x80;
  if (c->buffered > bl - lenbytes)
    {
      memset (c->block + c->buffered, 0, bl - c->buffered);
      process_block (c, c->block);
      c->buffered = 0;
    }
  memset (c->block + c->buffered, 0, bl - c->buffered);
  for (int i = 0; i < 8; i++)
    {
      unsigned char byte = (unsigned char) (bits >> (8 * i));
      if (c->alg == HASH_MD5)
        c->block[bl - 8 + i] = byte;          /* little-endian length */
      else
        c->block[bl - 1 - i] = byte;          /* big-endian length */
    }
  process_block (c, c->block);
  size_t n = hash_digest_len (c->alg);
  for (size_t i = 0; i < n; i++)
    {
      switch (c->alg)
        {
        case HASH_MD5:
          digest[i] = (unsigned char) (c->s.h32[i / 4] >> (8 * (i % 4)));
          break;
        case HASH_SHA1:
        case HASH_SHA256:
          digest[i] = (unsigned char) (c->s.h32[i / 4] >> (24 - 8 * (i % 4)));
          break;
        case HASH_SHA512:
          digest[i] = (unsigned char) (c->s.h64[i / 8] >> (56 - 8 * (i % 8)));
          break;
        }
    }
}

static char *
to_hex (const unsigned char *d, size_t n)
{
  static const char hex[] = "0123456789abcdef";
  char *s = xmalloc (2 * n + 1);
  for (size_t i = 0; i < n; i++)
    {
      s[2 * i] = hex[d[i] >> 4];
      s[2 * i + 1] = hex[d[i] & 15];
    }
  s[2 * n] = '\0';
  return s;
}

char *
hash_hex (hash_alg alg, const void *data, size_t len)
{
  hash_ctx c;
  unsigned char d[HASH_MAX_DIGEST];
  hash_init (&c, alg);
  hash_update (&c, data, len);
  hash_final (&c, d);
  return to_hex (d, hash_digest_len (alg));
}

char *
hash_file_hex (const char *path, hash_alg alg, char **err)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      if (err)
        *err = xasprintf ("cannot open %s: %s", path, strerror (errno));
      return NULL;
    }
  hash_ctx c;
  hash_init (&c, alg);
  unsigned char buf[65536];
  for (;;)
    {
      ssize_t r = read (fd, buf, sizeof buf);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          if (err)
            *err = xasprintf ("cannot read %s: %s", path, strerror (errno));
          close (fd);
          return NULL;
        }
      if (r == 0)
        break;
      hash_update (&c, buf, (size_t) r);
    }
  close (fd);
  unsigned char d[HASH_MAX_DIGEST];
  hash_final (&c, d);
  return to_hex (d, hash_digest_len (alg));
}
