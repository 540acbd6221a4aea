/* Key refresh through the verifier: testdata/refresh.jsonl (converted by vectors.py), the same
 * timelines the Rust test (core/tests/refresh_table.rs) and the JS tests drive.
 *   refresh REFRESH_TXT
 * Each scenario gets a new verifier of its user pool and client; each step runs at base + at:
 * `Q` polls pool 0 (cognito_verifier_poll) and compares the action and retry_at, `F` reports a
 * fetch (cognito_verifier_fetch_succeeded with the named document, which must load only for `ok`
 * and `rotated`; cognito_verifier_fetch_failed for `fail`), `L` caches a document in every pool
 * (cognito_verifier_cache_jwks), `V` verifies a token and compares `valid` or the code name. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdbool.h>

#include "common.h"

#define MAX_NAMED 16
#define U8(s) ((const uint8_t *)(s))

/* A document or token of the scenario, by name. */
typedef struct {
    char *name;
    text_t value;
} named_t;

typedef struct {
    text_t name;
    uint64_t base;
    cognito_verifier *verifier;
    named_t docs[MAX_NAMED], tokens[MAX_NAMED];
    size_t doc_count, token_count, step; /* steps run so far in this scenario */
} scenario_t;

static cognito_claims *claims;
static size_t scenarios, steps, mismatches;

static void fail_line(const char *path, size_t line, const char *why) {
    fprintf(stderr, "%s:%zu: %s\n", path, line, why);
    exit(2);
}

static void end_scenario(scenario_t *s) {
    cognito_verifier_free(s->verifier);
    free_text(&s->name);
    for (size_t i = 0; i < s->doc_count; i++) {
        free(s->docs[i].name);
        free_text(&s->docs[i].value);
    }
    for (size_t i = 0; i < s->token_count; i++) {
        free(s->tokens[i].name);
        free_text(&s->tokens[i].value);
    }
    memset(s, 0, sizeof *s);
}

static const text_t *find(const named_t *list, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].name, name) == 0) return &list[i].value;
    return NULL;
}

static const char *action_name(cognito_refresh_action a) {
    switch (a) {
        case COGNITO_REFRESH_ACTION_USE_CACHED: return "use_cached";
        case COGNITO_REFRESH_ACTION_FETCH: return "fetch";
        case COGNITO_REFRESH_ACTION_WAIT: return "wait";
        case COGNITO_REFRESH_ACTION_UNAVAILABLE: return "unavailable";
        case COGNITO_REFRESH_ACTION_REFRESH: return "refresh";
    }
    return "?";
}

/* base + a signed offset. */
static uint64_t at(const scenario_t *s, const char *offset) {
    return s->base + (uint64_t)strtoll(offset, NULL, 10);
}

static void mismatch(const scenario_t *s, const char *step, const char *want, const char *got) {
    fprintf(stderr, "MISMATCH %s, step %s: want %s, got %s\n", s->name.data, step, want, got);
    mismatches++;
}

/* Runs one step line (its fields), as core/tests/refresh_table.rs does. */
static bool run_step(scenario_t *s, char **f, size_t n) {
    const char *kind = f[0];
    uint64_t now = n > 1 ? at(s, f[1]) : 0;
    char what[96], got[96];
    snprintf(what, sizeof what, "%zu (%s %s %s)", s->step, kind, n > 1 ? f[1] : "", n > 2 ? f[2] : "");
    if (strcmp(kind, "Q") == 0 && n == 5) {
        cognito_refresh_need need =
            strcmp(f[2], "keys") == 0 ? COGNITO_REFRESH_NEED_KEYS : COGNITO_REFRESH_NEED_UNKNOWN_KID;
        cognito_refresh_action action = COGNITO_REFRESH_ACTION_USE_CACHED;
        uint64_t retry_at = 0;
        cognito_result rc = cognito_verifier_poll(s->verifier, 0, now, need, &action, &retry_at);
        /* retry_at is given for `unavailable` only; C reports 0 otherwise. */
        uint64_t want_retry = strcmp(f[4], "-") == 0 ? 0 : at(s, f[4]);
        snprintf(got, sizeof got, "%s retry_at %" PRIu64, rc == COGNITO_RESULT_OK ? action_name(action)
                                                                          : cognito_result_code_name(rc),
                 retry_at);
        char want[96];
        snprintf(want, sizeof want, "%s retry_at %" PRIu64, f[3], want_retry);
        if (strcmp(got, want) != 0) mismatch(s, what, want, got);
    } else if (strcmp(kind, "F") == 0 && n == 3) {
        if (strcmp(f[2], "fail") == 0) {
            cognito_result rc = cognito_verifier_fetch_failed(s->verifier, 0, now);
            if (rc != COGNITO_RESULT_OK) mismatch(s, what, "ok", cognito_result_code_name(rc));
        } else {
            const text_t *doc = find(s->docs, s->doc_count, f[2]);
            if (!doc) return false;
            cognito_result rc = cognito_verifier_fetch_succeeded(s->verifier, 0, now, U8(doc->data), doc->len);
            bool want_ok = strcmp(f[2], "ok") == 0 || strcmp(f[2], "rotated") == 0;
            if ((rc == COGNITO_RESULT_OK) != want_ok)
                mismatch(s, what, want_ok ? "loaded" : "refused", cognito_result_code_name(rc));
        }
    } else if (strcmp(kind, "L") == 0 && n == 3) {
        const text_t *doc = find(s->docs, s->doc_count, f[2]);
        if (!doc) return false;
        cognito_result rc = cognito_verifier_cache_jwks(s->verifier, U8(doc->data), doc->len, now);
        if (rc != COGNITO_RESULT_OK) mismatch(s, what, "ok", cognito_result_code_name(rc));
    } else if (strcmp(kind, "V") == 0 && n == 4) {
        const text_t *token = find(s->tokens, s->token_count, f[2]);
        if (!token) return false;
        cognito_result rc = cognito_verifier_verify(s->verifier, U8(token->data), token->len, now, claims);
        const char *code = rc == COGNITO_RESULT_OK ? "valid" : cognito_result_code_name(rc);
        if (strcmp(code, f[3]) != 0) mismatch(s, what, f[3], code);
    } else {
        return false;
    }
    steps++;
    s->step++;
    return true;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: refresh REFRESH_TXT\n");
        return 2;
    }
    const char *path = argv[1];
    FILE *fp = fopen(path, "r");
    if (!fp) {
        perror(path);
        return 2;
    }
    CHECK_RC(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &claims), COGNITO_RESULT_OK);
    scenario_t s;
    memset(&s, 0, sizeof s);
    char *line = NULL;
    size_t cap = 0, line_no = 0, want_scenarios = 0, want_steps = 0;
    bool ended = false;
    while (getline(&line, &cap, fp) > 0) {
        line_no++;
        char *f[8];
        size_t n = split_fields(line, f, 8);
        if (n > 0) f[n - 1][strcspn(f[n - 1], "\n")] = 0;
        if (ended || n == 0) fail_line(path, line_no, "unexpected line");
        if (strcmp(f[0], "S") == 0 && n == 5) {
            if (s.verifier) end_scenario(&s);
            scenarios++;
            s.name = decode_text(f[1]);
            s.base = strtoull(f[2], NULL, 10);
            text_t pool = decode_text(f[3]), client = decode_text(f[4]);
            cognito_config *cfg = NULL;
            CHECK_RC(cognito_config_new(&cfg), COGNITO_RESULT_OK);
            CHECK_RC(cognito_config_add_user_pool_id(cfg, U8(pool.data), pool.len), COGNITO_RESULT_OK);
            CHECK_RC(cognito_config_add_client_id(cfg, U8(client.data), client.len), COGNITO_RESULT_OK);
            CHECK_RC(cognito_verifier_new(cfg, &s.verifier), COGNITO_RESULT_OK);
            cognito_config_free(cfg);
            free_text(&pool);
            free_text(&client);
            if (!s.verifier) fail_line(path, line_no, "no verifier");
        } else if ((strcmp(f[0], "D") == 0 || strcmp(f[0], "K") == 0) && n == 3 && s.verifier) {
            bool doc = f[0][0] == 'D';
            named_t *list = doc ? s.docs : s.tokens;
            size_t *count = doc ? &s.doc_count : &s.token_count;
            if (*count == MAX_NAMED) fail_line(path, line_no, "too many names");
            list[*count].name = strdup(f[1]);
            list[*count].value = decode_text(f[2]);
            (*count)++;
        } else if (strcmp(f[0], "E") == 0 && n == 3) {
            want_scenarios = strtoull(f[1], NULL, 10);
            want_steps = strtoull(f[2], NULL, 10);
            ended = true;
        } else if (!s.verifier || !run_step(&s, f, n)) {
            fail_line(path, line_no, "bad step (or a name the scenario does not define)");
        }
    }
    if (s.verifier) end_scenario(&s);
    free(line);
    fclose(fp);
    cognito_claims_free(claims);

    /* Every scenario and step of the table ran, none mismatched. */
    CHECK(ended && scenarios == want_scenarios && steps == want_steps);
    CHECK(mismatches == 0);
    if (*failure_count() == 0)
        printf("refresh.jsonl: %zu scenarios, %zu steps passed (C)\n", scenarios, steps);
    else
        printf("refresh.jsonl: %zu mismatches in %zu scenarios, %zu steps (C)\n", mismatches, scenarios, steps);
    return *failure_count() == 0 ? 0 : 1;
}
