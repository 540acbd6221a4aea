/* Helpers shared by the C tests: reading files, the line format of vectors.py, checks. */
#ifndef COGNITO_TEST_COMMON_H
#define COGNITO_TEST_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cognito_verify.h"

/* Failed checks so far. */
static inline int *failure_count(void) {
    static int n = 0;
    return &n;
}

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);       \
            (*failure_count())++;                                                                    \
        }                                                                                  \
    } while (0)

#define CHECK_RC(expr, want)                                                               \
    do {                                                                                   \
        cognito_result rc_ = (expr);                                                       \
        if (rc_ != (cognito_result)(want)) {                                               \
            fprintf(stderr, "%s:%d: %s returned %s, want %s\n", __FILE__, __LINE__, #expr, \
                    cognito_result_code_name(rc_), cognito_result_code_name(want));        \
            (*failure_count())++;                                                                    \
        }                                                                                  \
    } while (0)

/* A whole file, NUL-terminated; *len gets its length. Exits on error. */
static inline char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    size_t cap = 4096, n = 0;
    char *buf = (char *)malloc(cap);
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap *= 2;
            buf = (char *)realloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, 4096, f);
        n += got;
        if (got == 0) break;
    }
    fclose(f);
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

/* Drops trailing whitespace (files end with a newline). */
static inline size_t trim_len(const char *s, size_t n) {
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) n--;
    return n;
}

/* One decoded text of the line format: "x" + hex, or "-" for absent. */
typedef struct {
    int present;
    char *data; /* NUL-terminated for printing; may contain NUL bytes */
    size_t len;
} text_t;

static inline int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static inline text_t decode_text(const char *field) {
    text_t t = {0, NULL, 0};
    if (field[0] != 'x') return t;
    size_t hex_len = strlen(field + 1);
    t.present = 1;
    t.len = hex_len / 2;
    t.data = (char *)malloc(t.len + 1);
    for (size_t i = 0; i < t.len; i++)
        t.data[i] = (char)(hexval(field[1 + 2 * i]) * 16 + hexval(field[2 + 2 * i]));
    t.data[t.len] = 0;
    return t;
}

static inline void free_text(text_t *t) {
    free(t->data);
    t->data = NULL;
}

/* Splits `line` in place at spaces; returns the number of fields (at most max). */
static inline size_t split_fields(char *line, char **fields, size_t max) {
    size_t n = 0;
    char *p = line;
    while (*p && n < max) {
        fields[n++] = p;
        while (*p && *p != ' ' && *p != '\n') p++;
        if (!*p) break;
        *p++ = 0;
    }
    return n;
}

/* Splits a comma-separated list field in place ("-" is empty); returns the number of items. */
static inline size_t split_list(char *field, char **items, size_t max) {
    if (strcmp(field, "-") == 0) return 0;
    size_t n = 0;
    for (char *p = field; p && n < max;) {
        items[n++] = p;
        p = strchr(p, ',');
        if (p) *p++ = 0;
    }
    return n;
}

/* Calls fn(ctx, text) for each item of a comma-separated list field ("-" is empty). */
typedef cognito_result (*item_fn)(cognito_config *, const uint8_t *, size_t);

static inline cognito_result add_list(cognito_config *cfg, char *field, item_fn fn) {
    if (strcmp(field, "-") == 0) return COGNITO_RESULT_OK;
    char *p = field;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma) *comma = 0;
        text_t t = decode_text(p);
        cognito_result rc = fn(cfg, (const uint8_t *)t.data, t.len);
        free_text(&t);
        if (comma) *comma = ',';
        if (rc != COGNITO_RESULT_OK) return rc;
        if (!comma) return COGNITO_RESULT_OK;
        p = comma + 1;
    }
}

/* A vector's token_use field ("id", "access", else any). */
static inline cognito_result set_token_use(cognito_config *cfg, const char *s) {
    uint32_t u = COGNITO_TOKEN_USE_ANY;
    if (strcmp(s, "id") == 0) u = COGNITO_TOKEN_USE_ID;
    if (strcmp(s, "access") == 0) u = COGNITO_TOKEN_USE_ACCESS;
    return cognito_config_set_token_use(cfg, u);
}

static inline cognito_result requirement(cognito_config *cfg, char *mode, char *list, bool groups) {
    if (strcmp(mode, "-") == 0) return COGNITO_RESULT_OK;
    uint32_t m = strcmp(mode, "all") == 0 ? COGNITO_MATCH_ALL_OF : COGNITO_MATCH_ANY_OF;
    cognito_result rc = groups ? cognito_config_require_groups(cfg, m)
                               : cognito_config_require_scopes(cfg, m);
    if (rc != COGNITO_RESULT_OK) return rc;
    return add_list(cfg, list, groups ? cognito_config_add_group : cognito_config_add_scope);
}

#endif
