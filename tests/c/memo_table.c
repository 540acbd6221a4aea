/* The verdict memo after the world changed: testdata/memo.jsonl (converted by vectors.py), the
 * cases the Rust test (core/tests/memo_table.rs) and the JS tests drive.
 *   memo_table MEMO_TXT
 * Each case gets one verifier a configuration (memo of 64 entries); each step runs at base + at:
 * `L` caches a document in every verifier, `R` records a revocation in every verifier, `V`
 * verifies the case's token and compares `valid` or the code name, the memo's hit counter (when
 * the table says), and the code of a verifier without a memo built then in the same world (the
 * last document, every revocation at its time). The C ABI has no custom check: cases with one
 * are skipped and named. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>

#include "common.h"

#define MAX_NAMED 8
#define MAX_REVOKED 8
#define U8(s) ((const uint8_t *)(s))

typedef struct {
    char *name;
    text_t value;
} named_t;

/* A configuration: its name, its C line (split again for each verifier built), its verifier. */
typedef struct {
    char *name, *line;
    cognito_verifier *verifier;
} config_t;

typedef struct {
    text_t name, token;
    uint64_t base;
    named_t docs[MAX_NAMED];
    config_t configs[MAX_NAMED];
    size_t doc_count, config_count, step;
    bool skipped;
    /* The world: the document loaded last (and when), revocations (and when). */
    const text_t *keys;
    uint64_t keys_at;
    char *revoked[MAX_REVOKED];
    uint64_t revoked_at[MAX_REVOKED];
    size_t revoked_count;
} case_t;

static cognito_claims *claims;
static size_t cases, steps, hits, mismatches, skipped_cases, skipped_steps;

static void fail_line(const char *path, size_t line, const char *why) {
    fprintf(stderr, "%s:%zu: %s\n", path, line, why);
    exit(2);
}

static void end_case(case_t *c) {
    free_text(&c->name);
    free_text(&c->token);
    for (size_t i = 0; i < c->doc_count; i++) {
        free(c->docs[i].name);
        free_text(&c->docs[i].value);
    }
    for (size_t i = 0; i < c->config_count; i++) {
        free(c->configs[i].name);
        free(c->configs[i].line);
        cognito_verifier_free(c->configs[i].verifier);
    }
    for (size_t i = 0; i < c->revoked_count; i++) free(c->revoked[i]);
    memset(c, 0, sizeof *c);
}

/* A verifier of configuration line `line` (fields as vectors.py writes them) with a memo of
 * `memo` entries; NULL if the configuration is refused. */
static cognito_verifier *make(const char *line, size_t memo) {
    char *copy = strdup(line), *f[16];
    size_t n = split_fields(copy, f, 16);
    cognito_config *cfg = NULL;
    cognito_verifier *v = NULL;
    cognito_result rc = n == 14 ? cognito_config_new(&cfg) : COGNITO_RESULT_INVALID_ARGUMENT;
    if (rc == COGNITO_RESULT_OK) rc = set_token_use(cfg, f[3]);
    if (rc == COGNITO_RESULT_OK) rc = cognito_config_set_leeway(cfg, strtoull(f[4], NULL, 10));
    if (rc == COGNITO_RESULT_OK && strcmp(f[5], "-") != 0)
        rc = cognito_config_set_max_age(cfg, strtoull(f[5], NULL, 10));
    if (rc == COGNITO_RESULT_OK) rc = cognito_config_set_allow_es256(cfg, f[6][0] == '1');
    if (rc == COGNITO_RESULT_OK) rc = add_list(cfg, f[7], cognito_config_add_user_pool_id);
    if (rc == COGNITO_RESULT_OK) rc = add_list(cfg, f[8], cognito_config_add_issuer);
    if (rc == COGNITO_RESULT_OK) rc = add_list(cfg, f[9], cognito_config_add_client_id);
    if (rc == COGNITO_RESULT_OK) rc = requirement(cfg, f[10], f[11], true);
    if (rc == COGNITO_RESULT_OK) rc = requirement(cfg, f[12], f[13], false);
    if (rc == COGNITO_RESULT_OK) rc = cognito_config_set_verdict_memo(cfg, memo);
    if (rc == COGNITO_RESULT_OK) rc = cognito_verifier_new(cfg, &v);
    CHECK_RC(rc, COGNITO_RESULT_OK);
    cognito_config_free(cfg);
    free(copy);
    return v;
}

/* Records revocation `r` ("o:" origin_jti, "j:" jti ":" exp, "s:" sub ":" issued_at_or_before). */
static cognito_result revoke(const cognito_verifier *v, const char *r, uint64_t now) {
    char *copy = strdup(r);
    char *value = copy + 2, *time = strchr(value, ':');
    if (time) *time++ = 0;
    text_t t = decode_text(value);
    cognito_result rc = COGNITO_RESULT_INVALID_ARGUMENT;
    if (r[0] == 'o') rc = cognito_verifier_revoke_origin_jti(v, U8(t.data), t.len, now);
    if (r[0] == 'j' && time) rc = cognito_verifier_revoke_jti(v, U8(t.data), t.len, strtoull(time, NULL, 10), now);
    if (r[0] == 's' && time) rc = cognito_verifier_revoke_sub(v, U8(t.data), t.len, strtoull(time, NULL, 10), now);
    free_text(&t);
    free(copy);
    return rc;
}

static const char *verdict(const cognito_verifier *v, const text_t *token, uint64_t now) {
    cognito_result rc = cognito_verifier_verify(v, U8(token->data), token->len, now, claims);
    return rc == COGNITO_RESULT_OK ? "valid" : cognito_result_code_name(rc);
}

static uint64_t memo_hits(const cognito_verifier *v) {
    uint64_t h = 0;
    CHECK_RC(cognito_verifier_verdict_memo_stats(v, &h, NULL, NULL, NULL), COGNITO_RESULT_OK);
    return h;
}

/* The code a verifier without a memo, built now in the case's world, gives. */
static const char *fresh(const case_t *c, const config_t *cfg, uint64_t now) {
    cognito_verifier *v = make(cfg->line, 0);
    if (!v) return "no verifier";
    if (c->keys) CHECK_RC(cognito_verifier_cache_jwks(v, U8(c->keys->data), c->keys->len, c->keys_at), COGNITO_RESULT_OK);
    for (size_t i = 0; i < c->revoked_count; i++) CHECK_RC(revoke(v, c->revoked[i], c->revoked_at[i]), COGNITO_RESULT_OK);
    const char *code = verdict(v, &c->token, now);
    cognito_verifier_free(v);
    return code;
}

static void mismatch(const case_t *c, const char *what, const char *want, const char *got) {
    fprintf(stderr, "MISMATCH %s, step %zu (%s): want %s, got %s\n", c->name.data, c->step, what, want, got);
    mismatches++;
}

/* Runs one step line (its fields), as core/tests/memo_table.rs does. */
static bool run_step(case_t *c, char **f, size_t n) {
    const char *kind = f[0];
    if (n < 3) return false;
    uint64_t now = c->base + (uint64_t)strtoll(f[1], NULL, 10);
    if (c->skipped) {
        /* A case this ABI cannot drive: its steps are counted, not run. */
    } else if (strcmp(kind, "L") == 0 && n == 3) {
        const text_t *doc = NULL;
        for (size_t i = 0; i < c->doc_count; i++)
            if (strcmp(c->docs[i].name, f[2]) == 0) doc = &c->docs[i].value;
        if (!doc) return false;
        for (size_t i = 0; i < c->config_count; i++)
            CHECK_RC(cognito_verifier_cache_jwks(c->configs[i].verifier, U8(doc->data), doc->len, now),
                     COGNITO_RESULT_OK);
        c->keys = doc;
        c->keys_at = now;
    } else if (strcmp(kind, "R") == 0 && n == 3) {
        if (c->revoked_count == MAX_REVOKED) return false;
        for (size_t i = 0; i < c->config_count; i++)
            CHECK_RC(revoke(c->configs[i].verifier, f[2], now), COGNITO_RESULT_OK);
        c->revoked[c->revoked_count] = strdup(f[2]);
        c->revoked_at[c->revoked_count++] = now;
    } else if (strcmp(kind, "V") == 0 && n == 5) {
        const config_t *cfg = NULL;
        for (size_t i = 0; i < c->config_count; i++)
            if (strcmp(c->configs[i].name, f[2]) == 0) cfg = &c->configs[i];
        if (!cfg) return false;
        char what[64];
        snprintf(what, sizeof what, "V %s %s", f[1], f[2]);
        uint64_t before = memo_hits(cfg->verifier);
        const char *got = verdict(cfg->verifier, &c->token, now);
        uint64_t hit = memo_hits(cfg->verifier) - before;
        if (strcmp(got, f[3]) != 0) mismatch(c, what, f[3], got);
        const char *full = fresh(c, cfg, now);
        if (strcmp(full, got) != 0) mismatch(c, "a fresh verifier without a memo", full, got);
        if (strcmp(f[4], "-") != 0) {
            uint64_t want = strtoull(f[4], NULL, 10);
            if (hit != want) mismatch(c, "memo hits", want ? "1 hit" : "no hit", hit ? "a hit" : "no hit");
            hits += want;
        }
    } else {
        return false;
    }
    if (c->skipped) skipped_steps++;
    steps++;
    c->step++;
    return true;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: memo_table MEMO_TXT\n");
        return 2;
    }
    const char *path = argv[1];
    FILE *fp = fopen(path, "r");
    if (!fp) {
        perror(path);
        return 2;
    }
    CHECK_RC(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &claims), COGNITO_RESULT_OK);
    case_t c;
    memset(&c, 0, sizeof c);
    bool in_case = false, ended = false;
    char *line = NULL;
    size_t cap = 0, line_no = 0, want_cases = 0, want_steps = 0;
    while (getline(&line, &cap, fp) > 0) {
        line_no++;
        line[strcspn(line, "\n")] = 0;
        char *copy = strdup(line), *f[16];
        size_t n = split_fields(line, f, 16);
        if (ended || n == 0) fail_line(path, line_no, "unexpected line");
        if (strcmp(f[0], "M") == 0 && n == 4) {
            if (in_case) end_case(&c);
            in_case = true;
            cases++;
            c.name = decode_text(f[1]);
            c.base = strtoull(f[2], NULL, 10);
            c.token = decode_text(f[3]);
        } else if (strcmp(f[0], "D") == 0 && n == 3 && in_case && c.doc_count < MAX_NAMED) {
            c.docs[c.doc_count].name = strdup(f[1]);
            c.docs[c.doc_count++].value = decode_text(f[2]);
        } else if (strcmp(f[0], "C") == 0 && n == 14 && in_case && c.config_count < MAX_NAMED) {
            if (f[2][0] == '1' && !c.skipped) {
                c.skipped = true;
                skipped_cases++;
                printf("skipped (the C ABI has no custom check): %s\n", c.name.data);
            }
            config_t *cfg = &c.configs[c.config_count++];
            cfg->name = strdup(f[1]);
            cfg->line = copy;
            copy = NULL;
            if (!c.skipped && !(cfg->verifier = make(cfg->line, 64))) fail_line(path, line_no, "no verifier");
        } else if (strcmp(f[0], "E") == 0 && n == 3) {
            want_cases = strtoull(f[1], NULL, 10);
            want_steps = strtoull(f[2], NULL, 10);
            ended = true;
        } else if (!in_case || !run_step(&c, f, n)) {
            fail_line(path, line_no, "bad step (or a name the case does not define)");
        }
        free(copy);
    }
    if (in_case) end_case(&c);
    free(line);
    fclose(fp);
    cognito_claims_free(claims);

    /* Every case and step of the table was read, none mismatched, and some were memo hits. */
    CHECK(ended && cases == want_cases && steps == want_steps);
    CHECK(mismatches == 0 && hits > 0);
    if (*failure_count() == 0)
        printf("memo.jsonl: %zu cases, %zu steps, %zu hits passed; %zu cases (%zu steps) skipped (C)\n",
               cases - skipped_cases, steps - skipped_steps, hits, skipped_cases, skipped_steps);
    else
        printf("memo.jsonl: %zu mismatches in %zu cases, %zu steps (C)\n", mismatches, cases, steps);
    return *failure_count() == 0 ? 0 : 1;
}
