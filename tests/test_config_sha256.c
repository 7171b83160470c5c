/* SHA-256 against FIPS 180-2 vectors and padding boundaries. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "config/sha256.h"

static void check(const void *data, size_t n, const char *want)
{
    char hex[65];
    ae_sha256_hex(data, n, hex);
    cr_assert_str_eq(hex, want, "length %zu", n);
}

Test(config_sha256, fips_180_2_vectors)
{
    check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *l896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    check(l896, 112, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

Test(config_sha256, million_a_in_odd_chunks)
{
    char *a = malloc(1000000);
    memset(a, 'a', 1000000);
    check(a, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* the same through update() in uneven pieces */
    ae_sha256 s;
    ae_sha256_init(&s);
    size_t off = 0, step = 1;
    while (off < 1000000) {
        size_t n = step < 1000000 - off ? step : 1000000 - off;
        ae_sha256_update(&s, a + off, n);
        off += n;
        step = step * 7 % 131 + 1;
    }
    unsigned char d[32];
    ae_sha256_final(&s, d);
    static const unsigned char want[4] = {0xcd, 0xc7, 0x6e, 0x5c};
    cr_assert_eq(memcmp(d, want, 4), 0);
    free(a);
}

Test(config_sha256, padding_boundaries)
{
    /* bytes 0, 1, 2, ... n-1 for lengths around the 55/56/64-byte padding edges
     * (reference digests from Python's hashlib) */
    static const struct {
        size_t n;
        const char *hex;
    } v[] = {
        {55, "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59"},
        {56, "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562"},
        {57, "2fe741af801cc238602ac0ec6a7b0c3a8a87c7fc7d7f02a3fe03d1c12eac4d8f"},
        {63, "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488"},
        {64, "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108"},
        {65, "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781"},
        {119, "da18797ed7c3a777f0847f429724a2d8cd5138e6ed2895c3fa1a6d39d18f7ec6"},
        {120, "f52b23db1fbb6ded89ef42a23ce0c8922c45f25c50b568a93bf1c075420bbb7c"},
    };
    unsigned char bytes[128];
    for (int i = 0; i < 128; i++)
        bytes[i] = (unsigned char)i;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        check(bytes, v[i].n, v[i].hex);
}
