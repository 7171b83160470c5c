/* "did you mean": the closest candidate by optimal-string-alignment distance
 * (Levenshtein plus adjacent transpositions), ignoring case. */
#include "config/cfg.h"

#include <ctype.h>
#include <string.h>

enum { MAX_WORD = 64 }; /* longer words are never near misses worth suggesting */

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

static size_t distance(const char *a, size_t n, const char *b, size_t m)
{
    size_t rows[3][MAX_WORD + 1];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= m; j++)
        prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            int ai = tolower((unsigned char)a[i - 1]), bj = tolower((unsigned char)b[j - 1]);
            size_t cost = ai != bj;
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && ai == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == bj && prev2[j - 2] + 1 < cur[j])
                cur[j] = prev2[j - 2] + 1;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[m];
}

const char *ae_cfg_suggest(const char *word, const char *const *candidates, size_t n)
{
    size_t wl = strlen(word);
    if (wl > MAX_WORD)
        return NULL;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        const char *c = candidates[i];
        size_t cl = strlen(c);
        if (cl > MAX_WORD || strcmp(c, word) == 0)
            continue;
        size_t longer = wl > cl ? wl : cl;
        size_t limit = longer / 3 > 1 ? longer / 3 : 1;
        if (limit > 2)
            limit = 2;
        if ((wl > cl ? wl - cl : cl - wl) > limit)
            continue;
        size_t d = distance(word, wl, c, cl);
        if (d <= limit && d < longer && d < best_d) { /* d < longer: 'a' is not near 'y' */
            best = c;
            best_d = d;
        }
    }
    return best;
}
