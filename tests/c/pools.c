/* Pools with rules of their own through the C API (cognito_config_pool_*).
 *   pools POOLS_TXT        (testdata/pools.jsonl joined with conformance.jsonl by vectors.py)
 * The table is the one core/tests/pools.rs runs: each configuration is built with the C setters
 * (the verifier's rules with cognito_config_*, each pool's with cognito_config_pool_*), then
 * each verdict gets a new verifier with the case's keys per pool and must give the Rust code,
 * each JWKS URL must be the Rust one, and each refused configuration must be refused by
 * cognito_verifier_new with COGNITO_RESULT_INVALID_CONFIGURATION and the core's words from
 * cognito_config_error_message. Then what C alone can get wrong: a pool setter before any
 * pool, an index out of range, NULL, bad UTF-8, enum values out of range, the message buffer;
 * a refused call changes nothing. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdbool.h>

#include "common.h"

#define U8(s) ((const uint8_t *)(s))
#define BUF(s) ((uint8_t *)(s))
#define MAX_FIELDS 16

static cognito_claims *claims;
static size_t configs, verdicts, refusals, url_checks, mismatches;

/* The configuration message, or "?" when it cannot be read. */
static const char *message(const cognito_config *cfg) {
    static char buf[512];
    size_t len = 0;
    if (cognito_config_error_message(cfg, BUF(buf), sizeof buf, &len) != COGNITO_RESULT_OK)
        return "?";
    return buf;
}

/* Calls fn(cfg, pool, text) for each text of a comma-separated list field ("-": none). */
typedef cognito_result (*pool_text_fn)(cognito_config *, size_t, const uint8_t *, size_t);
static cognito_result each_text(cognito_config *cfg, size_t pool, char *field, pool_text_fn fn) {
    char *items[64];
    size_t n = split_list(field, items, 64);
    for (size_t i = 0; i < n; i++) {
        text_t t = decode_text(items[i]);
        cognito_result rc = fn(cfg, pool, U8(t.data), t.len);
        free_text(&t);
        if (rc != COGNITO_RESULT_OK) return rc;
    }
    return COGNITO_RESULT_OK;
}

/* The verifier-wide setters, wrapped to the per-pool shape (pool ignored). */
static cognito_result add_client(cognito_config *c, size_t p, const uint8_t *s, size_t n) {
    (void)p;
    return cognito_config_add_client_id(c, s, n);
}
static cognito_result add_group(cognito_config *c, size_t p, const uint8_t *s, size_t n) {
    (void)p;
    return cognito_config_add_group(c, s, n);
}
static cognito_result add_scope(cognito_config *c, size_t p, const uint8_t *s, size_t n) {
    (void)p;
    return cognito_config_add_scope(c, s, n);
}

static int token_use(const char *s, uint32_t *out) {
    if (strcmp(s, "-") == 0) return 0;
    *out = strcmp(s, "id") == 0 ? COGNITO_TOKEN_USE_ID
         : strcmp(s, "access") == 0 ? COGNITO_TOKEN_USE_ACCESS : COGNITO_TOKEN_USE_ANY;
    return 1;
}

static uint32_t match_mode(const char *s) {
    return strcmp(s, "all") == 0 ? COGNITO_MATCH_ALL_OF : COGNITO_MATCH_ANY_OF;
}

/* A line C: a new configuration with the verifier's rules. */
static cognito_config *begin(char **f) {
    cognito_config *cfg = NULL;
    CHECK_RC(cognito_config_new(&cfg), COGNITO_RESULT_OK);
    CHECK_RC(each_text(cfg, 0, f[2], add_client), COGNITO_RESULT_OK);
    uint32_t t;
    if (token_use(f[3], &t)) CHECK_RC(cognito_config_set_token_use(cfg, t), COGNITO_RESULT_OK);
    if (strcmp(f[4], "-") != 0)
        CHECK_RC(cognito_config_require_groups(cfg, match_mode(f[4])), COGNITO_RESULT_OK);
    CHECK_RC(each_text(cfg, 0, f[5], add_group), COGNITO_RESULT_OK);
    if (strcmp(f[6], "-") != 0)
        CHECK_RC(cognito_config_require_scopes(cfg, match_mode(f[6])), COGNITO_RESULT_OK);
    CHECK_RC(each_text(cfg, 0, f[7], add_scope), COGNITO_RESULT_OK);
    return cfg;
}

/* A line p: a pool, added, and its own rules set by its index. */
static void add_pool(cognito_config *cfg, char **f) {
    size_t pool = 99;
    CHECK_RC(cognito_config_pool_count(cfg, &pool), COGNITO_RESULT_OK);
    text_t value = decode_text(f[2]);
    CHECK_RC(f[1][0] == 'u' ? cognito_config_add_user_pool_id(cfg, U8(value.data), value.len)
                            : cognito_config_add_issuer(cfg, U8(value.data), value.len),
             COGNITO_RESULT_OK);
    free_text(&value);
    CHECK_RC(each_text(cfg, pool, f[3], cognito_config_pool_add_issuer), COGNITO_RESULT_OK);
    if (strcmp(f[4], "-") != 0) {
        text_t url = decode_text(f[4]);
        CHECK_RC(cognito_config_pool_set_jwks_url(cfg, pool, U8(url.data), url.len),
                 COGNITO_RESULT_OK);
        free_text(&url);
    }
    CHECK_RC(each_text(cfg, pool, f[5], cognito_config_pool_add_client_id), COGNITO_RESULT_OK);
    uint32_t t;
    if (token_use(f[6], &t))
        CHECK_RC(cognito_config_pool_set_token_use(cfg, pool, t), COGNITO_RESULT_OK);
    if (strcmp(f[7], "-") != 0)
        CHECK_RC(cognito_config_pool_require_groups(cfg, pool, match_mode(f[7])),
                 COGNITO_RESULT_OK);
    CHECK_RC(each_text(cfg, pool, f[8], cognito_config_pool_add_group), COGNITO_RESULT_OK);
    if (strcmp(f[9], "-") != 0)
        CHECK_RC(cognito_config_pool_require_scopes(cfg, pool, match_mode(f[9])),
                 COGNITO_RESULT_OK);
    CHECK_RC(each_text(cfg, pool, f[10], cognito_config_pool_add_scope), COGNITO_RESULT_OK);
}

static cognito_verifier *make(const cognito_config *cfg) {
    cognito_verifier *v = NULL;
    cognito_result rc = cognito_verifier_new(cfg, &v);
    if (rc != COGNITO_RESULT_OK) {
        fprintf(stderr, "  cognito_verifier_new: %s (%s)\n", cognito_result_code_name(rc),
                message(cfg));
        mismatches++;
    }
    CHECK(strcmp(message(cfg), "") == 0);
    return v;
}

/* A line U: each pool's JWKS URL. */
static void check_urls(const cognito_config *cfg, char *field) {
    cognito_verifier *v = make(cfg);
    char *items[16];
    size_t n = split_list(field, items, 16);
    for (size_t pool = 0; v && pool < n; pool++) {
        text_t want = decode_text(items[pool]);
        char got[256];
        size_t len = 0;
        CHECK_RC(cognito_verifier_jwks_url(v, pool, BUF(got), sizeof got, &len), COGNITO_RESULT_OK);
        if (len != want.len || memcmp(got, want.data, len) != 0) {
            fprintf(stderr, "  pool %zu: JWKS URL %s, want %s\n", pool, got, want.data);
            mismatches++;
        }
        url_checks++;
        free_text(&want);
    }
    cognito_verifier_free(v);
}

/* A line V: a new verifier, the case's keys per pool, the token. */
static void check_verdict(const cognito_config *cfg, const text_t *name, char **f) {
    cognito_verifier *v = make(cfg);
    if (!v) return;
    uint64_t now = strtoull(f[3], NULL, 10);
    char *jwkses[16];
    size_t n = split_list(f[4], jwkses, 16);
    for (size_t pool = 0; pool < n; pool++) {
        text_t jwks = decode_text(jwkses[pool]);
        CHECK_RC(cognito_verifier_cache_pool_jwks(v, pool, U8(jwks.data), jwks.len, now),
                 COGNITO_RESULT_OK);
        free_text(&jwks);
    }
    text_t token = decode_text(f[2]), case_name = decode_text(f[1]);
    cognito_result rc = cognito_verifier_verify(v, U8(token.data), token.len, now, claims);
    const char *got = rc == COGNITO_RESULT_OK ? "valid" : cognito_result_code_name(rc);
    if (strcmp(got, f[5]) != 0) {
        fprintf(stderr, "  %s: %s: got %s, want %s\n", name->data, case_name.data, got, f[5]);
        mismatches++;
    }
    verdicts++;
    free_text(&token);
    free_text(&case_name);
    cognito_verifier_free(v);
}

/* The end of a configuration's lines: a refused one must be refused, in the core's words. */
static void end(cognito_config *cfg, const text_t *name, const text_t *error) {
    if (!cfg) return;
    if (error->present) {
        static char sentinel;
        cognito_verifier *const before = (cognito_verifier *)(void *)&sentinel;
        cognito_verifier *v = before; /* out-parameters are written only on success */
        cognito_result rc = cognito_verifier_new(cfg, &v);
        const char *got = message(cfg);
        if (rc != COGNITO_RESULT_INVALID_CONFIGURATION || strcmp(got, error->data) != 0) {
            fprintf(stderr, "  %s: %s \"%s\", want invalid_configuration \"%s\"\n", name->data,
                    cognito_result_code_name(rc), got, error->data);
            mismatches++;
        }
        CHECK(v == before);
        refusals++;
    }
    cognito_config_free(cfg);
    configs++;
}

static void run_table(const char *path) {
    char *data = read_file(path, NULL);
    cognito_config *cfg = NULL;
    text_t name = {0, NULL, 0}, error = {0, NULL, 0};
    size_t want[3] = {0, 0, 0};
    int closed = 0;
    for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
        char *f[MAX_FIELDS];
        size_t n = split_fields(line, f, MAX_FIELDS);
        if (n == 0) continue;
        if (f[0][0] == 'C' && n == 9) {
            end(cfg, &name, &error);
            free_text(&name);
            free_text(&error);
            name = decode_text(f[1]);
            error = decode_text(f[8]);
            cfg = begin(f);
        } else if (f[0][0] == 'p' && n == 11 && cfg) {
            add_pool(cfg, f);
        } else if (f[0][0] == 'U' && n == 2 && cfg) {
            check_urls(cfg, f[1]);
        } else if (f[0][0] == 'V' && n == 6 && cfg) {
            check_verdict(cfg, &name, f);
        } else if (f[0][0] == 'E' && n == 4) {
            for (int i = 0; i < 3; i++) want[i] = strtoull(f[i + 1], NULL, 10);
            closed = 1;
        } else {
            fprintf(stderr, "%s: unexpected line %s\n", path, f[0]);
            exit(2);
        }
    }
    end(cfg, &name, &error);
    free_text(&name);
    free_text(&error);
    free(data);
    CHECK(closed && want[0] == configs && want[1] == verdicts && want[2] == refusals);
    CHECK(mismatches == 0);
    printf("  pools.jsonl: %zu configurations, %zu verdicts, %zu JWKS URLs, %zu refused, "
           "%zu mismatches\n", configs, verdicts, url_checks, refusals, mismatches);
}

#define POOL1 "us-east-1_TestPool1"
#define CLIENT "3n4b5urk1ft4fl3mg5e62d9ado"

static int starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Mistakes only a C caller can make: each is refused at once with its code and what to fix,
 * and changes nothing (the configuration still builds as before). */
static void arguments(void) {
    cognito_config *cfg = NULL;
    size_t count = 99, len = 99;
    CHECK_RC(cognito_config_new(&cfg), COGNITO_RESULT_OK);
    CHECK_RC(cognito_config_pool_count(cfg, &count), COGNITO_RESULT_OK);
    CHECK(count == 0);

    /* A pool setting before any pool. */
    CHECK_RC(cognito_config_pool_add_client_id(cfg, 0, U8(CLIENT), strlen(CLIENT)),
             COGNITO_RESULT_INVALID_ARGUMENT);
    CHECK(starts_with(message(cfg), "no pool added yet"));
    CHECK_RC(cognito_config_pool_set_token_use(cfg, 0, COGNITO_TOKEN_USE_ID),
             COGNITO_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cognito_config_pool_require_groups(cfg, 0, COGNITO_MATCH_ALL_OF),
             COGNITO_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cognito_config_pool_add_scope(cfg, 0, U8("a/b"), 3), COGNITO_RESULT_INVALID_ARGUMENT);
    CHECK(starts_with(message(cfg), "no pool added yet"));

    /* A success clears the message. */
    CHECK_RC(cognito_config_add_user_pool_id(cfg, U8(POOL1), strlen(POOL1)), COGNITO_RESULT_OK);
    CHECK_RC(cognito_config_error_message(cfg, NULL, 0, &len), COGNITO_RESULT_BUFFER_TOO_SMALL);
    CHECK(len == 1);
    CHECK_RC(cognito_config_pool_count(cfg, &count), COGNITO_RESULT_OK);
    CHECK(count == 1);

    /* An index out of range (pool 1 of one pool; SIZE_MAX). */
    CHECK_RC(cognito_config_pool_add_group(cfg, 1, U8("admin"), 5), COGNITO_RESULT_INVALID_ARGUMENT);
    CHECK(starts_with(message(cfg), "no pool has this index"));
    CHECK_RC(cognito_config_pool_set_jwks_url(cfg, SIZE_MAX, U8("https://k"), 9),
             COGNITO_RESULT_INVALID_ARGUMENT);
    CHECK(starts_with(message(cfg), "no pool has this index"));

    /* Text: not UTF-8; NULL with a length; NULL with length 0 is the empty string. */
    CHECK_RC(cognito_config_pool_add_client_id(cfg, 0, U8("\xff\xfe"), 2),
             COGNITO_RESULT_INVALID_UTF8);
    CHECK(strcmp(message(cfg), "text argument is not valid UTF-8") == 0);
    CHECK_RC(cognito_config_pool_add_issuer(cfg, 0, NULL, 4), COGNITO_RESULT_NULL_PARAMETER);
    CHECK(strcmp(message(cfg), "a required pointer argument is NULL") == 0);
    CHECK_RC(cognito_config_pool_add_scope(cfg, 0, U8("x"), SIZE_MAX),
             COGNITO_RESULT_INVALID_ARGUMENT);

    /* Enum values out of range. */
    CHECK_RC(cognito_config_pool_set_token_use(cfg, 0, 3), COGNITO_RESULT_INVALID_ARGUMENT);
    CHECK(starts_with(message(cfg), "token_use is not a cognito_token_use"));
    CHECK_RC(cognito_config_pool_require_scopes(cfg, 0, 2), COGNITO_RESULT_INVALID_ARGUMENT);
    CHECK(starts_with(message(cfg), "mode is not a cognito_match"));
    CHECK_RC(cognito_config_set_token_use(cfg, 7), COGNITO_RESULT_INVALID_ARGUMENT);
    CHECK(starts_with(message(cfg), "token_use is not a cognito_token_use"));

    /* NULL handles and out-parameters. */
    CHECK_RC(cognito_config_pool_add_client_id(NULL, 0, U8(CLIENT), strlen(CLIENT)),
             COGNITO_RESULT_NULL_PARAMETER);
    CHECK_RC(cognito_config_pool_set_token_use(NULL, 0, 0), COGNITO_RESULT_NULL_PARAMETER);
    CHECK_RC(cognito_config_pool_require_groups(NULL, 0, 0), COGNITO_RESULT_NULL_PARAMETER);
    CHECK_RC(cognito_config_pool_add_group(NULL, 0, U8("g"), 1), COGNITO_RESULT_NULL_PARAMETER);
    CHECK_RC(cognito_config_pool_require_scopes(NULL, 0, 0), COGNITO_RESULT_NULL_PARAMETER);
    CHECK_RC(cognito_config_pool_add_scope(NULL, 0, U8("s"), 1), COGNITO_RESULT_NULL_PARAMETER);
    CHECK_RC(cognito_config_pool_add_issuer(NULL, 0, U8("i"), 1), COGNITO_RESULT_NULL_PARAMETER);
    CHECK_RC(cognito_config_pool_set_jwks_url(NULL, 0, U8("u"), 1), COGNITO_RESULT_NULL_PARAMETER);
    CHECK_RC(cognito_config_pool_count(NULL, &count), COGNITO_RESULT_NULL_PARAMETER);
    CHECK_RC(cognito_config_pool_count(cfg, NULL), COGNITO_RESULT_NULL_PARAMETER);
    char buf[8];
    CHECK_RC(cognito_config_error_message(NULL, BUF(buf), sizeof buf, &len),
             COGNITO_RESULT_NULL_PARAMETER);
    CHECK_RC(cognito_config_error_message(cfg, BUF(buf), sizeof buf, NULL),
             COGNITO_RESULT_NULL_PARAMETER);

    /* Nothing above changed the configuration: with a client it builds, and the message buffer
     * follows the text-out rule (too small: the size needed, nothing written). */
    CHECK_RC(cognito_verifier_new(cfg, &(cognito_verifier *){NULL}),
             COGNITO_RESULT_INVALID_CONFIGURATION);
    const char *no_client = "no app client id configured";
    CHECK(strcmp(message(cfg), no_client) == 0);
    memset(buf, 'z', sizeof buf);
    len = 0;
    CHECK_RC(cognito_config_error_message(cfg, BUF(buf), sizeof buf, &len),
             COGNITO_RESULT_BUFFER_TOO_SMALL);
    CHECK(len == strlen(no_client) + 1 && buf[0] == 'z');
    CHECK_RC(cognito_config_pool_add_client_id(cfg, 0, U8(CLIENT), strlen(CLIENT)),
             COGNITO_RESULT_OK);
    cognito_verifier *v = NULL;
    CHECK_RC(cognito_verifier_new(cfg, &v), COGNITO_RESULT_OK);
    CHECK(strcmp(message(cfg), "") == 0);
    CHECK_RC(cognito_config_error_message(cfg, BUF(buf), sizeof buf, &len), COGNITO_RESULT_OK);
    CHECK(len == 0 && buf[0] == 0);
    char url[256];
    CHECK_RC(cognito_verifier_jwks_url(v, 0, BUF(url), sizeof url, &len), COGNITO_RESULT_OK);
    CHECK(strcmp(url, "https://cognito-idp.us-east-1.amazonaws.com/" POOL1
                      "/.well-known/jwks.json") == 0);
    CHECK_RC(cognito_verifier_jwks_url(v, 1, BUF(url), sizeof url, &len),
             COGNITO_RESULT_INVALID_ARGUMENT);
    cognito_verifier_free(v);
    cognito_config_free(cfg);
    printf("  arguments: no pool yet, index out of range, NULL, not UTF-8, enums out of range, "
           "the message buffer; each refused with what to fix, none changed the configuration\n");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s POOLS_TXT\n", argv[0]);
        return 2;
    }
    CHECK_RC(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &claims), COGNITO_RESULT_OK);
    run_table(argv[1]);
    arguments();
    cognito_claims_free(claims);
    int failures = *failure_count();
    printf("pools: %s (%d failed checks)\n", failures ? "FAILED" : "ok", failures);
    return failures ? 1 : 0;
}
