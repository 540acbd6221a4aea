// The shared testdata/ vectors through the C++ wrapper (include/cognito_verify.hpp), case by case.
//   vectors_cpp tokens.txt real-world.txt jwks.txt      (files made by vectors.py)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cognito_verify.hpp"

namespace {

// "x" + hex, or "-" for absent.
std::optional<std::string> text(const std::string &field) {
    if (field.empty() || field[0] != 'x') return std::nullopt;
    std::string out;
    for (size_t i = 1; i + 1 < field.size(); i += 2)
        out.push_back(static_cast<char>(std::stoi(field.substr(i, 2), nullptr, 16)));
    return out;
}

std::vector<std::string> texts(const std::string &field) {
    std::vector<std::string> out;
    if (field == "-") return out;
    std::stringstream ss(field);
    std::string item;
    while (std::getline(ss, item, ',')) out.push_back(text(item).value_or(""));
    return out;
}

bool same(const cognito::Expected<std::string> &got, const std::string &want_field) {
    if (want_field == "?") return true;
    auto want = text(want_field);
    if (!want) return !got && got.code() == COGNITO_RESULT_CLAIM_NOT_FOUND;
    return got && *got == *want;
}

bool token_case(const std::vector<std::string> &f) {
    cognito::Config config;
    config.token_use(f[5] == "id"       ? COGNITO_TOKEN_USE_ID
                     : f[5] == "access" ? COGNITO_TOKEN_USE_ACCESS
                                        : COGNITO_TOKEN_USE_ANY)
        .leeway(std::strtoull(f[6].c_str(), nullptr, 10))
        .allow_es256(f[8] == "1");
    if (f[7] != "-") config.max_age(std::strtoull(f[7].c_str(), nullptr, 10));
    for (auto &p : texts(f[9])) config.user_pool_id(p);
    for (auto &i : texts(f[10])) config.issuer(i);
    for (auto &c : texts(f[11])) config.client_id(c);
    if (f[12] != "-") {
        config.require_groups(f[12] == "all" ? COGNITO_MATCH_ALL_OF : COGNITO_MATCH_ANY_OF);
        for (auto &g : texts(f[13])) config.group(g);
    }
    if (f[14] != "-") {
        config.require_scopes(f[14] == "all" ? COGNITO_MATCH_ALL_OF : COGNITO_MATCH_ANY_OF);
        for (auto &s : texts(f[15])) config.scope(s);
    }
    cognito_result rc = COGNITO_RESULT_OK;
    auto verifier = cognito::Verifier::create(config);
    auto claims = cognito::Claims::create();
    if (!verifier) rc = verifier.code();
    const uint64_t now = std::strtoull(f[4].c_str(), nullptr, 10);
    if (rc == COGNITO_RESULT_OK) rc = verifier->cache_jwks(*text(f[3]), now);
    if (rc == COGNITO_RESULT_OK)
        rc = verifier->verify(*text(f[2]), now, *claims);

    bool ok;
    if (f[17] == "1") {
        ok = rc == COGNITO_RESULT_OK;
        if (ok && f[19] != "?") {
            ok = same(claims->sub(), f[19]) && same(claims->username(), f[20]) &&
                 same(claims->client_id(), f[22]) &&
                 claims->token_use().value_or(COGNITO_TOKEN_USE_ANY) ==
                     (f[21] == "id" ? COGNITO_TOKEN_USE_ID : COGNITO_TOKEN_USE_ACCESS) &&
                 claims->exp().value_or(-1) == std::strtoll(f[23].c_str(), nullptr, 10);
        }
    } else {
        ok = rc != COGNITO_RESULT_OK && (f[18] == "-" || f[18] == cognito::code_name(rc));
    }
    if (!ok)
        std::cerr << "MISMATCH " << text(f[1]).value_or("?") << ": want " << f[17] << " " << f[18]
                  << ", got " << cognito::code_name(rc) << "\n";
    return ok;
}

bool jwks_case(const std::vector<std::string> &f) {
    auto verifier =
        cognito::Verifier::create(cognito::Config().user_pool_id("us-east-1_X").client_id("c"));
    if (!verifier) return false;
    cognito_result rc = verifier->cache_jwks(*text(f[2]), 0);
    auto [keys, skipped] = verifier->key_count();
    bool ok = f[4] == "1" ? rc == COGNITO_RESULT_OK && std::to_string(keys) == f[6] &&
                                std::to_string(skipped) == f[7]
                          : f[5] == cognito::code_name(rc) && keys == 0;
    if (!ok) std::cerr << "MISMATCH " << text(f[1]).value_or("?") << "\n";
    return ok;
}

int run_file(const char *path) {
    std::ifstream in(path);
    if (!in) {
        std::perror(path);
        return 1;
    }
    std::string line;
    int cases = 0, agreed = 0;
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::stringstream ss(line);
        std::string field;
        while (ss >> field) f.push_back(field);
        bool ok = (f.size() == 24 && f[0] == "T")   ? token_case(f)
                  : (f.size() == 8 && f[0] == "J") ? jwks_case(f)
                                                   : false;
        cases++;
        agreed += ok;
    }
    const char *base = std::strrchr(path, '/');
    std::printf("  %-16s %3d cases, %3d agree (C++)\n", base ? base + 1 : path, cases, agreed);
    return cases - agreed;
}

// The wrapper itself: moves, errors, claims helpers, the refresh policy through the verifier.
int wrapper_checks() {
    int bad = 0;
    auto check = [&](bool cond, const char *what) {
        if (!cond) {
            std::cerr << "wrapper check failed: " << what << "\n";
            bad++;
        }
    };
    auto v = cognito::Verifier::create(cognito::Config());
    check(!v && v.code() == COGNITO_RESULT_INVALID_CONFIGURATION, "empty config refused");
    cognito::Config bad_enum;
    bad_enum.user_pool_id("us-east-1_X").client_id("c").token_use(static_cast<cognito_token_use>(7));
    check(bad_enum.status() == COGNITO_RESULT_INVALID_ARGUMENT, "first error kept");
    check(!cognito::Verifier::create(bad_enum), "config error reaches create");
    check(std::string(cognito::version()) == "0.1.0", "version");
    check(std::string(cognito::message(COGNITO_RESULT_EXPIRED)) == "token has expired", "message");
    check(!cognito::Claims::create(0), "claims capacity 0 refused");

    // The refresh policy, held by the verifier: fetch, fail, back off (tunables of the config).
    auto tunables = cognito::default_refresh();
    check(tunables.max_key_age == 3600 && tunables.request_timeout == 5, "default tunables");
    tunables.retry_base = 10;
    auto refreshing = cognito::Verifier::create(
        cognito::Config().user_pool_id("us-east-1_X").client_id("c").refresh(tunables));
    check(refreshing.ok(), "verifier with tunables");
    check(refreshing->jwks_url(0).value_or("") ==
              "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X/.well-known/jwks.json", "jwks_url");
    check(refreshing->jwks_url(1).code() == COGNITO_RESULT_INVALID_ARGUMENT, "no pool 1");
    auto d = refreshing->poll(0, 100, COGNITO_REFRESH_NEED_KEYS);
    check(d && d->action == COGNITO_REFRESH_ACTION_FETCH, "first poll fetches");
    check(refreshing->fetch_succeeded(0, 101, "<html>") == COGNITO_RESULT_MALFORMED_JWKS, "garbage refused");
    d = refreshing->poll(0, 102, COGNITO_REFRESH_NEED_KEYS);
    check(d && d->action == COGNITO_REFRESH_ACTION_UNAVAILABLE && d->retry_at == 111, "backs off");
    check(!refreshing->poll(0, 102, static_cast<cognito_refresh_need>(2)), "need out of range");
    cognito::Verifier moved = std::move(*refreshing);
    check(moved.get() != nullptr && refreshing->get() == nullptr, "move transfers the handle");
    return bad;
}

int doc_token_checks(const char *jwks_path, const char *token_path) {
    std::ifstream j(jwks_path), t(token_path);
    std::string jwks((std::istreambuf_iterator<char>(j)), std::istreambuf_iterator<char>());
    std::string token;
    std::getline(t, token);
    auto verifier = cognito::Verifier::create(
        cognito::Config().user_pool_id("us-east-1_Example1").client_id("3n4b5urk1ft4fl3mg5e62d9ado"));
    auto claims = cognito::Claims::create();
    int bad = 0;
    auto check = [&](bool cond, const char *what) {
        if (!cond) {
            std::cerr << "doc token check failed: " << what << "\n";
            bad++;
        }
    };
    check(verifier && claims, "created");
    check(!claims->sub() && claims->sub().code() == COGNITO_RESULT_NO_CLAIMS, "no claims yet");
    check(verifier->verify(token, 1700000100, *claims) == COGNITO_RESULT_JWKS_UNAVAILABLE, "no keys yet");
    check(verifier->cache_jwks(jwks, 1700000100) == COGNITO_RESULT_OK, "jwks");
    check(verifier->verify(token, 1700000100, *claims) == COGNITO_RESULT_OK, "verify");
    check(claims->username().value_or("") == "alice", "username");
    check(claims->email().value_or("") == "alice@example.com", "email");
    check(claims->groups() == std::vector<std::string>{"admin", "users"}, "groups");
    check(claims->in_group("admin") && !claims->in_group("root"), "in_group");
    check(claims->get("cognito:groups").value_or("") == "[\"admin\",\"users\"]", "get array");
    check(claims->kind("email_verified").value_or(COGNITO_CLAIM_KIND_NULL) == COGNITO_CLAIM_KIND_BOOL, "kind");
    check(claims->get("nope").code() == COGNITO_RESULT_CLAIM_NOT_FOUND, "absent claim");
    check(claims->payload_json().value_or("").size() > 100, "payload (grows past 64 bytes)");
    check(claims->auth_time().value_or(0) == 1700000000, "auth_time");
    check(verifier->verify(token, 1800000000, *claims) == COGNITO_RESULT_EXPIRED, "expired");
    check(claims->username().value_or("") == "alice", "claims kept after a failure");

    // Revocation: the session of the token, then refused; a small list fills up; 0 turns it off.
    check(verifier->revocation_stats(1700000100) == std::pair<size_t, size_t>{0, 4096}, "no revocations");
    check(verifier->revoke_origin_jti(claims->origin_jti().value_or(""), 1700000100) == COGNITO_RESULT_OK,
          "revoke session");
    check(verifier->verify(token, 1700000100, *claims) == COGNITO_RESULT_REVOKED, "revoked");
    check(verifier->revocation_stats(1700000100).first == 1, "one held");
    auto small = cognito::Verifier::create(cognito::Config()
                                               .user_pool_id("us-east-1_Example1")
                                               .client_id("3n4b5urk1ft4fl3mg5e62d9ado")
                                               .revocation_capacity(1)
                                               .max_token_lifetime(3600));
    check(small && small->revoke_sub("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", 1700000000, 1700000100) ==
                       COGNITO_RESULT_OK, "revoke user");
    check(small->revoke_jti("abcdefab-1234-5678-9abc-def012345678", 1700003600, 1700000100) ==
              COGNITO_RESULT_REVOCATION_LIST_FULL, "full");
    check(small->revoke_jti("", 1700003600, 1700000100) == COGNITO_RESULT_INVALID_ARGUMENT, "empty");
    check(small->cache_jwks(jwks) == COGNITO_RESULT_OK, "jwks (small)");
    check(small->verify(token, 1700000100, *claims) == COGNITO_RESULT_REVOKED, "user revoked");
    auto off = cognito::Verifier::create(
        cognito::Config().user_pool_id("us-east-1_Example1").client_id("c").revocation_capacity(0));
    check(off && off->revoke_origin_jti("o", 1) == COGNITO_RESULT_REVOCATION_DISABLED, "off");
    // Sign-out: the core records the session; a replica applies it with revoke_session.
    auto signing = cognito::Verifier::create(
        cognito::Config().user_pool_id("us-east-1_Example1").client_id("3n4b5urk1ft4fl3mg5e62d9ado"));
    auto replica = cognito::Verifier::create(
        cognito::Config().user_pool_id("us-east-1_Example1").client_id("3n4b5urk1ft4fl3mg5e62d9ado"));
    check(signing && replica && signing->cache_jwks(jwks) == COGNITO_RESULT_OK &&
              replica->cache_jwks(jwks) == COGNITO_RESULT_OK, "sign-out verifiers");
    const std::string sub = claims->sub().value_or(""), session = claims->origin_jti().value_or("");
    auto recorded = signing->sign_out(sub, session, 1700000100);
    check(recorded && recorded->recorded == COGNITO_SIGN_OUT_KIND_SESSION &&
              recorded->issued_at_or_before == 0, "sign-out: the session");
    check(replica->revoke_session(session, sub, 1700000100) == COGNITO_RESULT_OK, "replica: revoke_session");
    check(signing->verify(token, 1700000100, *claims) == COGNITO_RESULT_REVOKED &&
              replica->verify(token, 1700000100, *claims) == COGNITO_RESULT_REVOKED, "signed out, on both");
    check(signing->sign_out("", session, 1700000100).code() == COGNITO_RESULT_INVALID_ARGUMENT, "empty sub");
    check(off->sign_out(sub, session, 1).code() == COGNITO_RESULT_REVOCATION_DISABLED, "sign-out off");
    check(signing->revocation_contended() == 0, "contended");
    return bad;
}

// Per-pool rules through the wrapper: the pool's own client and token use replace the
// verifier's; mistakes give their code and the words of what to fix.
int pool_checks(const char *jwks_path, const char *token_path) {
    std::ifstream j(jwks_path), t(token_path);
    std::string jwks((std::istreambuf_iterator<char>(j)), std::istreambuf_iterator<char>());
    std::string token;
    std::getline(t, token);
    int bad = 0;
    auto check = [&](bool cond, const char *what) {
        if (!cond) {
            std::cerr << "pool check failed: " << what << "\n";
            bad++;
        }
    };
    auto claims = cognito::Claims::create();
    auto verdict = [&](cognito::Config &config) {
        auto v = cognito::Verifier::create(config);
        if (!v) return v.code();
        v->cache_jwks(jwks, 1700000100);
        return v->verify(token, 1700000100, *claims);
    };
    const char *pool = "us-east-1_Example1", *client = "3n4b5urk1ft4fl3mg5e62d9ado";
    cognito::Config own;
    own.user_pool_id(pool).client_id("other").pool_client_id(0, client).pool_group(0, "admin");
    check(own.pool_count() == 1 && verdict(own) == COGNITO_RESULT_OK, "the pool's own client");
    cognito::Config access;
    access.user_pool_id(pool).client_id(client).pool_token_use(0, COGNITO_TOKEN_USE_ACCESS);
    check(verdict(access) == COGNITO_RESULT_WRONG_TOKEN_USE, "the pool's own token use");
    cognito::Config scoped;
    scoped.user_pool_id(pool).client_id(client).pool_require_scopes(0, COGNITO_MATCH_ALL_OF)
        .pool_scope(0, "x/y").pool_jwks_url(0, "https://keys.example.com/jwks.json");
    check(verdict(scoped) == COGNITO_RESULT_SCOPE_NOT_ALLOWED, "the pool's own scopes");
    auto url = cognito::Verifier::create(scoped);
    check(url && url->jwks_url(0).value_or("") == "https://keys.example.com/jwks.json", "JWKS URL");
    cognito::Config early;
    early.pool_client_id(0, client).user_pool_id(pool).client_id(client);
    check(early.status() == COGNITO_RESULT_INVALID_ARGUMENT &&
              early.error_message().value_or("").rfind("no pool added yet", 0) == 0 &&
              early.pool_count() == 0, "a pool setting before the pool; later setters not applied");
    cognito::Config empty;
    empty.user_pool_id(pool).pool_client_id(0, "").pool_issuer(0, "http://127.0.0.1:9229/p");
    check(verdict(empty) == COGNITO_RESULT_INVALID_CONFIGURATION &&
              empty.error_message().value_or("") == "an app client id is empty", "empty client id");
    return bad;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 3) {
        std::cerr << "usage: vectors_cpp JWKS TOKEN VECTOR_FILES...\n";
        return 2;
    }
    int bad = wrapper_checks() + doc_token_checks(argv[1], argv[2]) + pool_checks(argv[1], argv[2]);
    for (int i = 3; i < argc; i++) bad += run_file(argv[i]);
    if (bad == 0) std::printf("  C++ wrapper checks passed\n");
    return bad == 0 ? 0 : 1;
}
