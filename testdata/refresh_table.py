"""refresh.jsonl for testdata/generate.py: timelines of the key refresh policy."""
from jose import CLIENT, NOW, POOL


def build_refresh(cases):
    """Timelines of the key refresh policy (ARCHITECTURE.md, "Key refresh"), driven through each runtime's
    verifier: what it decides at each step, and the verdict on a token with the keys it holds then."""
    by_name = {c["name"]: c for c in cases}
    ok = by_name["valid_id"]["jwks"]
    rotated = {"keys": [dict(k, kid="kR-" + k["kid"]) for k in ok["keys"]]}
    poll = lambda at, need, action, **k: dict({"at": at, "poll": need, "action": action}, **k)
    fetched = lambda at, outcome: {"at": at, "fetched": outcome}
    load = lambda at: {"at": at, "load": "ok"}
    verify = lambda at, token, expect: {"at": at, "verify": token, "expect": expect}
    scenarios = [
        ("no keys yet: the first token waits for the first fetch", [
            verify(0, "valid_id", "jwks_unavailable"), poll(0, "keys", "fetch"), poll(0, "keys", "wait"),
            poll(0, "unknown_kid", "wait"), fetched(1, "ok"), poll(1, "keys", "use_cached"),
            verify(1, "valid_id", "valid")]),
        ("old keys are used while they are refreshed", [
            load(-3600), poll(-1, "keys", "use_cached"), poll(0, "keys", "refresh"), verify(0, "valid_id", "valid"),
            poll(0, "keys", "use_cached"), poll(1, "keys", "use_cached"), fetched(2, "ok"),
            poll(3, "keys", "use_cached")]),
        ("a failed refresh keeps the old keys and backs off", [
            load(-3600), poll(0, "keys", "refresh"), fetched(0, "fail"), poll(0, "keys", "use_cached"),
            verify(0, "valid_id", "valid"), poll(1, "keys", "refresh"), fetched(1, "fail"),
            poll(2, "keys", "use_cached"), poll(3, "keys", "refresh"), fetched(3, "ok"), poll(4, "keys", "use_cached")]),
        ("an unusable key set is a failed fetch and never replaces keys that work", [
            load(-3600), poll(0, "keys", "refresh"), fetched(0, "empty"), verify(0, "valid_id", "valid"),
            poll(1, "keys", "refresh"), fetched(1, "garbage"), verify(1, "valid_id", "valid"),
            poll(2, "keys", "use_cached")]),
        ("no keys and every fetch failing is unavailable until the back-off ends", [
            poll(0, "keys", "fetch"), fetched(0, "fail"), poll(0, "keys", "unavailable", retry_at=1),
            verify(0, "valid_id", "jwks_unavailable"), poll(1, "keys", "fetch"), fetched(1, "fail"),
            poll(2, "keys", "unavailable", retry_at=3), poll(3, "keys", "fetch"), fetched(3, "ok"),
            verify(3, "valid_id", "valid")]),
        ("an unknown kid fetches and waits, at most once per cooldown", [
            load(0), verify(0, "kid_unknown", "unknown_kid"), poll(0, "unknown_kid", "fetch"),
            poll(0, "unknown_kid", "wait"), poll(0, "keys", "use_cached"), fetched(1, "ok"),
            poll(1, "unknown_kid", "use_cached"), verify(1, "kid_unknown", "unknown_kid"),
            poll(29, "unknown_kid", "use_cached"), poll(30, "unknown_kid", "fetch"), fetched(30, "ok"),
            poll(31, "unknown_kid", "use_cached")]),
        ("a rotated key set replaces the old one: the old key's tokens are unknown", [
            load(0), verify(0, "valid_id", "valid"), poll(0, "unknown_kid", "fetch"), fetched(0, "rotated"),
            verify(0, "valid_id", "unknown_kid"), poll(1, "keys", "use_cached")]),
        ("a fetch never reported is presumed lost after 30 seconds", [
            poll(0, "keys", "fetch"), poll(29, "keys", "wait"), poll(30, "keys", "unavailable", retry_at=31),
            poll(31, "keys", "fetch"), fetched(31, "ok"), verify(31, "valid_id", "valid")]),
        ("keys supplied directly count as fresh", [
            poll(0, "keys", "fetch"), load(0), poll(0, "keys", "use_cached"), fetched(0, "fail"),
            poll(1, "keys", "use_cached"), verify(1, "valid_id", "valid"), poll(3599, "keys", "use_cached"),
            poll(3600, "keys", "refresh")]),
    ]
    return [{"name": name, "base": NOW, "user_pool_id": POOL, "client_id": CLIENT,
             "tokens": {t: by_name[t]["token"] for t in ("valid_id", "kid_unknown")},
             "jwks": {"ok": ok, "rotated": rotated, "empty": {"keys": []}, "garbage": "<html>502 Bad Gateway</html>"},
             "steps": steps}
            for name, steps in scenarios]
