/* What the revocation tests (revocation.c, sign_out.c) share: the cases of revocation.txt
 * (testdata/revocation.jsonl, converted by vectors.py), a verifier of a case's configuration,
 * verifying a token, what a list holds, and the identifiers of a valid token. Include it after
 * defining _POSIX_C_SOURCE (getline, strdup). */
#ifndef COGNITO_TEST_REVOCATION_COMMON_H
#define COGNITO_TEST_REVOCATION_COMMON_H

#include <stdbool.h>

#include "common.h"

#define U8(s) ((const uint8_t *)(s))
/* Capacity or lifetime left at the configuration's default. */
#define DEFAULT ((uint64_t)-1)

typedef struct {
    text_t name, pool, jwks, token;
    char *clients;     /* list field of vectors.py */
    char *revocations; /* "-" or o:TEXT / j:TEXT:EXP / s:TEXT:IAT, comma-separated */
    uint64_t now;
    bool valid;
    char error[64];
} rcase_t;

static rcase_t cases[64];
static size_t case_count;

static inline const rcase_t *find_case(const char *name) {
    for (size_t i = 0; i < case_count; i++)
        if (strcmp(cases[i].name.data, name) == 0) return &cases[i];
    fprintf(stderr, "no case %s\n", name);
    exit(2);
}

static inline size_t read_cases(const char *path) {
    FILE *fp = fopen(path, "r");
    if (!fp) {
        perror(path);
        exit(2);
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, fp) > 0) {
        char *f[16];
        size_t n = split_fields(line, f, 16);
        if (n != 11 || strcmp(f[0], "R") != 0 || strcmp(f[8], "|") != 0 ||
            case_count == sizeof cases / sizeof cases[0]) {
            fprintf(stderr, "%s: bad line with %zu fields\n", path, n);
            exit(2);
        }
        rcase_t *c = &cases[case_count++];
        c->name = decode_text(f[1]);
        c->pool = decode_text(f[2]);
        c->clients = strdup(f[3]);
        c->jwks = decode_text(f[4]);
        c->now = strtoull(f[5], NULL, 10);
        c->revocations = strdup(f[6]);
        c->token = decode_text(f[7]);
        c->valid = f[9][0] == '1';
        snprintf(c->error, sizeof c->error, "%s", c->valid ? "ok" : f[10]);
    }
    free(line);
    fclose(fp);
    return case_count;
}

static inline void free_cases(void) {
    for (size_t i = 0; i < case_count; i++) {
        free_text(&cases[i].name);
        free_text(&cases[i].pool);
        free_text(&cases[i].jwks);
        free_text(&cases[i].token);
        free(cases[i].clients);
        free(cases[i].revocations);
    }
}

/* A verifier of the case's pool, clients and keys. */
static inline cognito_verifier *make(const rcase_t *c, uint64_t capacity, uint64_t lifetime,
                                      bool cache) {
    cognito_config *cfg = NULL;
    cognito_verifier *v = NULL;
    CHECK_RC(cognito_config_new(&cfg), COGNITO_RESULT_OK);
    CHECK_RC(cognito_config_add_user_pool_id(cfg, U8(c->pool.data), c->pool.len), COGNITO_RESULT_OK);
    char *clients = strdup(c->clients);
    CHECK_RC(add_list(cfg, clients, cognito_config_add_client_id), COGNITO_RESULT_OK);
    free(clients);
    if (capacity != DEFAULT)
        CHECK_RC(cognito_config_set_revocation_capacity(cfg, (size_t)capacity), COGNITO_RESULT_OK);
    if (lifetime != DEFAULT)
        CHECK_RC(cognito_config_set_max_token_lifetime(cfg, lifetime), COGNITO_RESULT_OK);
    if (!cache) CHECK_RC(cognito_config_set_signature_cache(cfg, 0), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_new(cfg, &v), COGNITO_RESULT_OK);
    cognito_config_free(cfg);
    if (v) CHECK_RC(cognito_verifier_cache_jwks(v, U8(c->jwks.data), c->jwks.len, c->now), COGNITO_RESULT_OK);
    return v;
}

static inline cognito_result verify(const cognito_verifier *v, const text_t *token, uint64_t now,
                                    cognito_claims *claims) {
    return cognito_verifier_verify(v, U8(token->data), token->len, now, claims);
}

static inline size_t held(const cognito_verifier *v, uint64_t now) {
    size_t h = 999999, capacity = 999999;
    CHECK_RC(cognito_verifier_revocation_stats(v, now, &h, &capacity), COGNITO_RESULT_OK);
    return h;
}

/* The origin_jti, jti and sub of a valid token, read from its claims. */
typedef struct {
    char origin_jti[128], jti[128], sub[128];
} ids_t;

static inline ids_t ids_of(const rcase_t *c) {
    ids_t ids;
    memset(&ids, 0, sizeof ids);
    cognito_verifier *v = make(c, 0, DEFAULT, false);
    cognito_claims *claims = NULL;
    size_t len;
    CHECK_RC(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &claims), COGNITO_RESULT_OK);
    CHECK_RC(verify(v, &c->token, c->now, claims), COGNITO_RESULT_OK);
    CHECK_RC(cognito_claims_origin_jti(claims, (uint8_t *)ids.origin_jti, sizeof ids.origin_jti, &len), COGNITO_RESULT_OK);
    CHECK_RC(cognito_claims_jti(claims, (uint8_t *)ids.jti, sizeof ids.jti, &len), COGNITO_RESULT_OK);
    CHECK_RC(cognito_claims_sub(claims, (uint8_t *)ids.sub, sizeof ids.sub, &len), COGNITO_RESULT_OK);
    cognito_claims_free(claims);
    cognito_verifier_free(v);
    return ids;
}

#endif
