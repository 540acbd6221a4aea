#!/usr/bin/env python3
"""Static assertions on the GoBlitz Cognito terraform (cloud/aws/terraform).

Terraform cannot reach its provider registry here, so instead of
`terraform validate/plan` every *.tf file is parsed with python-hcl2 and the
pieces the GoBlitz app relies on are asserted: user pool settings, the
`GoBlitzClient` app client (password + Hosted UI code flow), the Hosted UI
domain, the resource server + client_credentials client, the identity pool
and the outputs (token/JWKS/issuer URLs, ids, M2M secret).

Usage: python cloud/check.py [TERRAFORM_DIR]   (default: cloud/aws/terraform)
Exit status 0 when every check passes, 1 otherwise (all failures listed).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

try:
    import hcl2
    from hcl2.utils import SerializationOptions
except ImportError as exc:  # pragma: no cover - environment problem
    sys.exit(f"cloud: python-hcl2 is not installed ({exc}); run cloud/check.sh")

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO / "cloud" / "aws" / "terraform"

APP_CLIENT_NAME = "GoBlitzClient"
CALLBACK_URL = "http://localhost:8000/callback"
LOGOUT_URL = "http://localhost:8000/"
REQUIRED_OUTPUTS = [
    "user_pool_id",
    "client_id",
    "token_url",
    "jwks_url",
    "issuer",
    "m2m_client_id",
    "m2m_client_secret",
    "hosted_ui_url",
    "domain",
    "identity_pool_id",
    "region",
]
REQUIRED_VARIABLES = [
    "region",
    "name_prefix",
    "domain_prefix",
    "callback_urls",
    "logout_urls",
    "access_token_validity_minutes",
    "id_token_validity_minutes",
    "refresh_token_validity_days",
    "deletion_protection",
]

OPTIONS = SerializationOptions(
    with_comments=False,
    explicit_blocks=False,
    strip_string_quotes=True,
)


class Checker:
    def __init__(self) -> None:
        self.passed = 0
        self.failures: list[str] = []

    def check(self, condition: Any, message: str) -> bool:
        """Record one assertion; `message` says what is required."""
        if condition:
            self.passed += 1
            return True
        self.failures.append(message)
        return False


# --------------------------------------------------------------------------
# Loading and small helpers
# --------------------------------------------------------------------------


def unquote(value: Any) -> Any:
    """Strip one level of HCL string quotes if the parser left them."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def load_config(tf_dir: Path) -> dict[str, Any]:
    """Merge all *.tf files of tf_dir into one structure."""
    cfg: dict[str, Any] = {
        "files": [],
        "terraform": [],
        "provider": {},
        "variable": {},
        "output": {},
        "locals": {},
        "resource": {},
        "data": {},
        "raw": {},
    }
    for path in sorted(tf_dir.glob("*.tf")):
        text = path.read_text(encoding="utf-8")
        cfg["raw"][path.name] = text
        try:
            doc = hcl2.loads(text, serialization_options=OPTIONS)
        except Exception as exc:  # noqa: BLE001 - report any parse error
            raise SystemExit(f"cloud: FAILED to parse {path}: {exc}") from exc
        cfg["files"].append(path.name)
        cfg["terraform"].extend(doc.get("terraform", []))
        for block in doc.get("provider", []):
            for name, body in block.items():
                cfg["provider"][unquote(name)] = body
        for kind in ("variable", "output"):
            for block in doc.get(kind, []):
                for name, body in block.items():
                    name = unquote(name)
                    if name in cfg[kind]:
                        raise SystemExit(f"cloud: duplicate {kind} {name!r} in {path}")
                    cfg[kind][name] = body
        for block in doc.get("locals", []):
            for name, value in block.items():
                cfg["locals"][unquote(name)] = value
        for kind in ("resource", "data"):
            for block in doc.get(kind, []):
                for rtype, named in block.items():
                    for rname, body in named.items():
                        cfg[kind].setdefault(unquote(rtype), {})[unquote(rname)] = body
    return cfg


def block(body: dict, key: str) -> dict:
    """First nested block `key` of body ({} if absent)."""
    value = body.get(key)
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    if isinstance(value, dict):
        return value
    return {}


def as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, list):
        return [unquote(v) for v in value]
    return [unquote(value)]


def is_ref(value: Any, expr: str) -> bool:
    """True if value is exactly the interpolation `${expr}`."""
    return isinstance(value, str) and value.replace(" ", "") == "${" + expr.replace(" ", "") + "}"


def resolve_locals(value: Any, local_values: dict[str, Any], depth: int = 0) -> Any:
    """Inline `${local.x}` references whose value is a string template."""
    if not isinstance(value, str) or depth > 10:
        return value

    def repl(match: re.Match) -> str:
        lv = local_values.get(match.group(1))
        if not isinstance(lv, str):
            return match.group(0)
        lv = resolve_locals(lv, local_values, depth + 1)
        # A whole-expression local (`${expr}`) stays an interpolation; a
        # template local is inlined as text.
        return lv

    return re.sub(r"\$\{local\.([A-Za-z0-9_]+)\}", repl, value)


def var_default(cfg: dict, name: str) -> Any:
    return cfg["variable"].get(name, {}).get("default")


def value_or_var_default(cfg: dict, value: Any) -> Any:
    """A literal, or the default of the variable it references."""
    if isinstance(value, str):
        m = re.fullmatch(r"\$\{var\.([A-Za-z0-9_]+)\}", value.replace(" ", ""))
        if m:
            return var_default(cfg, m.group(1))
    return value


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


def check_versions(c: Checker, cfg: dict) -> None:
    tf = cfg["terraform"][0] if cfg["terraform"] else {}
    c.check(tf, "a terraform {} block is required (versions.tf)")
    c.check(unquote(tf.get("required_version")), "terraform.required_version must be set")
    rp = block(tf, "required_providers")
    aws = rp.get("aws", {}) if isinstance(rp, dict) else {}
    c.check(unquote(aws.get("source")) == "hashicorp/aws",
            "required_providers.aws.source must be hashicorp/aws")
    version = str(unquote(aws.get("version", "")))
    c.check(version.startswith("~>"),
            f"required_providers.aws.version must be pinned with ~> (got {version!r})")
    c.check(is_ref(cfg["provider"].get("aws", {}).get("region"), "var.region"),
            'provider "aws" must set region = var.region')


def check_variables(c: Checker, cfg: dict) -> None:
    for name in REQUIRED_VARIABLES:
        c.check(name in cfg["variable"], f"variable {name!r} must be declared")
    for name, body in cfg["variable"].items():
        c.check(str(unquote(body.get("description", ""))).strip(),
                f"variable {name!r} needs a description")
        c.check(body.get("type"), f"variable {name!r} needs a type")
    c.check(var_default(cfg, "region") == "us-east-1",
            "variable region must default to us-east-1")
    c.check(CALLBACK_URL in as_list(var_default(cfg, "callback_urls")),
            f"variable callback_urls must default to include {CALLBACK_URL}")
    c.check(LOGOUT_URL in as_list(var_default(cfg, "logout_urls")),
            f"variable logout_urls must default to include {LOGOUT_URL}")


def the_one(c: Checker, cfg: dict, rtype: str) -> tuple[str, dict]:
    found = cfg["resource"].get(rtype, {})
    c.check(len(found) == 1, f"exactly one {rtype} resource is required (found {len(found)})")
    if not found:
        return "<missing>", {}
    name = sorted(found)[0]
    return name, found[name]


def check_user_pool(c: Checker, cfg: dict) -> str:
    name, pool = the_one(c, cfg, "aws_cognito_user_pool")
    where = f"aws_cognito_user_pool.{name}"
    c.check(as_list(pool.get("username_attributes")) == ["email"],
            f'{where}: username_attributes must be ["email"]')
    c.check("email" in as_list(pool.get("auto_verified_attributes")),
            f"{where}: auto_verified_attributes must include email")

    pp = block(pool, "password_policy")
    min_len = pp.get("minimum_length")
    c.check(isinstance(min_len, int) and min_len >= 12,
            f"{where}: password_policy.minimum_length must be a literal >= 12 (got {min_len!r})")
    for flag in ("require_uppercase", "require_lowercase", "require_numbers", "require_symbols"):
        c.check(pp.get(flag) is True, f"{where}: password_policy.{flag} must be true")

    mechanisms = [
        unquote(m.get("name"))
        for m in block(pool, "account_recovery_setting").get("recovery_mechanism", [])
        if isinstance(m, dict)
    ]
    c.check("verified_email" in mechanisms,
            f"{where}: account_recovery_setting must use verified_email")

    dp = pool.get("deletion_protection")
    c.check(isinstance(dp, str) and dp.startswith("${var."),
            f"{where}: deletion_protection must come from a variable")
    dp_default = value_or_var_default(cfg, dp)
    c.check(dp_default in ("ACTIVE", "INACTIVE"),
            f"{where}: deletion_protection must be ACTIVE or INACTIVE (got {dp_default!r})")

    mfa = pool.get("mfa_configuration")
    c.check(mfa is not None, f"{where}: mfa_configuration must be set explicitly")
    mfa_default = value_or_var_default(cfg, mfa)
    if mfa_default != "OFF":
        has_totp = "software_token_mfa_configuration" in pool or any(
            "software_token_mfa_configuration" in d for d in pool.get("dynamic", []) if isinstance(d, dict)
        )
        c.check(has_totp,
                f"{where}: mfa_configuration {mfa_default!r} needs software_token_mfa_configuration")

    c.check(block(pool, "user_pool_add_ons").get("advanced_security_mode") is not None,
            f"{where}: user_pool_add_ons.advanced_security_mode must be set")
    return name


def find_app_client(c: Checker, cfg: dict) -> tuple[str, dict]:
    clients = cfg["resource"].get("aws_cognito_user_pool_client", {})
    named = [(n, b) for n, b in clients.items() if unquote(b.get("name")) == APP_CLIENT_NAME]
    c.check(len(named) == 1,
            f'exactly one aws_cognito_user_pool_client must be named "{APP_CLIENT_NAME}" (found {len(named)})')
    return named[0] if named else ("<missing>", {})


def check_app_client(c: Checker, cfg: dict, pool: str) -> str:
    name, cl = find_app_client(c, cfg)
    where = f"aws_cognito_user_pool_client.{name} ({APP_CLIENT_NAME})"
    c.check(is_ref(cl.get("user_pool_id"), f"aws_cognito_user_pool.{pool}.id"),
            f"{where}: user_pool_id must reference aws_cognito_user_pool.{pool}.id")
    flows = set(as_list(cl.get("explicit_auth_flows")))
    for flow in ("ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"):
        c.check(flow in flows, f"{where}: explicit_auth_flows must include {flow}")
    c.check(cl.get("generate_secret") in (None, False),
            f"{where}: must be a public client (generate_secret false)")
    c.check(as_list(cl.get("allowed_oauth_flows")) == ["code"],
            f'{where}: allowed_oauth_flows must be ["code"]')
    c.check(cl.get("allowed_oauth_flows_user_pool_client") is True,
            f"{where}: allowed_oauth_flows_user_pool_client must be true")
    scopes = set(as_list(cl.get("allowed_oauth_scopes")))
    for scope in ("openid", "email", "profile"):
        c.check(scope in scopes, f"{where}: allowed_oauth_scopes must include {scope}")
    c.check(CALLBACK_URL in as_list(value_or_var_default(cfg, cl.get("callback_urls"))),
            f"{where}: callback_urls must (by default) include {CALLBACK_URL}")
    c.check(LOGOUT_URL in as_list(value_or_var_default(cfg, cl.get("logout_urls"))),
            f"{where}: logout_urls must (by default) include {LOGOUT_URL}")
    c.check("COGNITO" in as_list(cl.get("supported_identity_providers")),
            f"{where}: supported_identity_providers must include COGNITO")

    for attr in ("access_token_validity", "id_token_validity", "refresh_token_validity"):
        c.check(cl.get(attr) is not None, f"{where}: {attr} must be set explicitly")
    units = block(cl, "token_validity_units")
    c.check(unquote(units.get("access_token")) in ("minutes", "hours"),
            f"{where}: token_validity_units.access_token must be minutes or hours")
    c.check(unquote(units.get("id_token")) in ("minutes", "hours"),
            f"{where}: token_validity_units.id_token must be minutes or hours")
    c.check(unquote(units.get("refresh_token")) == "days",
            f"{where}: token_validity_units.refresh_token must be days")
    c.check(unquote(cl.get("prevent_user_existence_errors")) == "ENABLED",
            f"{where}: prevent_user_existence_errors must be ENABLED")
    c.check(cl.get("enable_token_revocation") is True,
            f"{where}: enable_token_revocation must be true")
    return name


def check_domain(c: Checker, cfg: dict, pool: str) -> str:
    name, dom = the_one(c, cfg, "aws_cognito_user_pool_domain")
    where = f"aws_cognito_user_pool_domain.{name}"
    c.check(is_ref(dom.get("domain"), "var.domain_prefix"),
            f"{where}: domain must be var.domain_prefix")
    c.check(is_ref(dom.get("user_pool_id"), f"aws_cognito_user_pool.{pool}.id"),
            f"{where}: user_pool_id must reference aws_cognito_user_pool.{pool}.id")
    return name


def check_resource_server_and_m2m(c: Checker, cfg: dict, pool: str, app: str) -> tuple[str, str]:
    name, rs = the_one(c, cfg, "aws_cognito_resource_server")
    where = f"aws_cognito_resource_server.{name}"
    identifier = value_or_var_default(cfg, rs.get("identifier"))
    c.check(isinstance(identifier, str) and identifier,
            f"{where}: identifier must be set (literal or variable default)")
    scopes = [s for s in rs.get("scope", []) if isinstance(s, dict)]
    c.check(len(scopes) == 1, f"{where}: exactly one scope block is required (found {len(scopes)})")
    scope_name = value_or_var_default(cfg, scopes[0].get("scope_name")) if scopes else None
    c.check(isinstance(scope_name, str) and scope_name, f"{where}: scope.scope_name must be set")
    c.check(is_ref(rs.get("user_pool_id"), f"aws_cognito_user_pool.{pool}.id"),
            f"{where}: user_pool_id must reference aws_cognito_user_pool.{pool}.id")

    clients = cfg["resource"].get("aws_cognito_user_pool_client", {})
    m2m = [(n, b) for n, b in clients.items()
           if n != app and "client_credentials" in as_list(b.get("allowed_oauth_flows"))]
    c.check(len(m2m) == 1,
            f"exactly one M2M aws_cognito_user_pool_client with client_credentials is required (found {len(m2m)})")
    m2m_name, m = m2m[0] if m2m else ("<missing>", {})
    mw = f"aws_cognito_user_pool_client.{m2m_name} (M2M)"
    c.check(m.get("generate_secret") is True, f"{mw}: generate_secret must be true")
    c.check(as_list(m.get("allowed_oauth_flows")) == ["client_credentials"],
            f'{mw}: allowed_oauth_flows must be ["client_credentials"] only')
    c.check(m.get("allowed_oauth_flows_user_pool_client") is True,
            f"{mw}: allowed_oauth_flows_user_pool_client must be true")
    m_scopes = m.get("allowed_oauth_scopes")
    full_scope = f"{identifier}/{scope_name}"
    c.check(is_ref(m_scopes, f"aws_cognito_resource_server.{name}.scope_identifiers")
            or as_list(m_scopes) == [full_scope],
            f"{mw}: allowed_oauth_scopes must be the resource server scope ({full_scope})")
    c.check("COGNITO" in as_list(m.get("supported_identity_providers")),
            f"{mw}: supported_identity_providers must include COGNITO")
    c.check(is_ref(m.get("user_pool_id"), f"aws_cognito_user_pool.{pool}.id"),
            f"{mw}: user_pool_id must reference aws_cognito_user_pool.{pool}.id")
    return name, m2m_name


def check_identity_pool(c: Checker, cfg: dict, pool: str, app: str) -> str:
    name, ip = the_one(c, cfg, "aws_cognito_identity_pool")
    where = f"aws_cognito_identity_pool.{name}"
    c.check(ip.get("allow_unauthenticated_identities") is False,
            f"{where}: allow_unauthenticated_identities must be false")
    prov = block(ip, "cognito_identity_providers")
    c.check(is_ref(prov.get("client_id"), f"aws_cognito_user_pool_client.{app}.id"),
            f"{where}: cognito_identity_providers.client_id must be aws_cognito_user_pool_client.{app}.id")
    c.check(is_ref(prov.get("provider_name"), f"aws_cognito_user_pool.{pool}.endpoint"),
            f"{where}: cognito_identity_providers.provider_name must be aws_cognito_user_pool.{pool}.endpoint")
    return name


def check_outputs(c: Checker, cfg: dict, pool: str, app: str, dom: str, m2m: str, idp: str) -> None:
    outs = cfg["output"]
    for name in REQUIRED_OUTPUTS:
        c.check(name in outs, f"output {name!r} is required")
    for name, body in outs.items():
        c.check(str(unquote(body.get("description", ""))).strip(),
                f"output {name!r} needs a description")

    def val(name: str) -> Any:
        return resolve_locals(outs.get(name, {}).get("value"), cfg["locals"])

    host = "${aws_cognito_user_pool_domain.%s.domain}.auth.${var.region}.amazoncognito.com" % dom
    pool_id = "${aws_cognito_user_pool.%s.id}" % pool
    expect = {
        "region": "${var.region}",
        "user_pool_id": pool_id,
        "client_id": "${aws_cognito_user_pool_client.%s.id}" % app,
        "m2m_client_id": "${aws_cognito_user_pool_client.%s.id}" % m2m,
        "m2m_client_secret": "${aws_cognito_user_pool_client.%s.client_secret}" % m2m,
        "identity_pool_id": "${aws_cognito_identity_pool.%s.id}" % idp,
        "token_url": f"https://{host}/oauth2/token",
        "jwks_url": f"https://cognito-idp.${{var.region}}.amazonaws.com/{pool_id}/.well-known/jwks.json",
        "issuer": f"https://cognito-idp.${{var.region}}.amazonaws.com/{pool_id}",
        "domain": host,
    }
    for name, want in expect.items():
        got = val(name)
        c.check(isinstance(got, str) and got.replace(" ", "") == want.replace(" ", ""),
                f"output {name!r} must be {want} (got {got!r})")
    c.check(outs.get("m2m_client_secret", {}).get("sensitive") is True,
            "output 'm2m_client_secret' must be sensitive = true")

    ui = val("hosted_ui_url")
    ui = ui if isinstance(ui, str) else ""
    c.check(ui.startswith(f"https://{host}/login?") or ui.startswith(f"https://{host}/oauth2/authorize?"),
            f"output 'hosted_ui_url' must start with https://{host}/login? (got {ui!r})")
    for part in ("client_id=${aws_cognito_user_pool_client.%s.id}" % app, "response_type=code",
                 "redirect_uri="):
        c.check(part in ui, f"output 'hosted_ui_url' must contain {part}")


def check_tfvars_example(c: Checker, cfg: dict, tf_dir: Path) -> None:
    path = tf_dir / "terraform.tfvars.example"
    c.check(path.is_file(), f"{path.name} must exist")
    if not path.is_file():
        return
    values = hcl2.loads(path.read_text(encoding="utf-8"), serialization_options=OPTIONS)
    unknown = sorted(set(values) - set(cfg["variable"]))
    c.check(not unknown, f"{path.name} sets undeclared variables: {unknown}")
    c.check("domain_prefix" in values, f"{path.name} must set domain_prefix (it has no default)")


def check_skip_reasons(c: Checker, cfg: dict) -> None:
    """Every inline checkov suppression must carry a reason."""
    pattern = re.compile(r"checkov:skip=([A-Z0-9_]+)(?::(.*))?")
    for fname, text in cfg["raw"].items():
        for lineno, line in enumerate(text.splitlines(), 1):
            m = pattern.search(line)
            if m:
                c.check(m.group(2) and m.group(2).strip(),
                        f"{fname}:{lineno}: checkov:skip={m.group(1)} needs a reason (…:reason)")


def main(argv: list[str]) -> int:
    tf_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_DIR
    if not tf_dir.is_dir():
        print(f"cloud: FAILED: {tf_dir} is not a directory", file=sys.stderr)
        return 1
    cfg = load_config(tf_dir)
    c = Checker()
    c.check(cfg["files"], f"no *.tf files in {tf_dir}")
    check_versions(c, cfg)
    check_variables(c, cfg)
    pool = check_user_pool(c, cfg)
    app = check_app_client(c, cfg, pool)
    dom = check_domain(c, cfg, pool)
    _, m2m = check_resource_server_and_m2m(c, cfg, pool, app)
    idp = check_identity_pool(c, cfg, pool, app)
    check_outputs(c, cfg, pool, app, dom, m2m, idp)
    check_tfvars_example(c, cfg, tf_dir)
    check_skip_reasons(c, cfg)

    if c.failures:
        for msg in c.failures:
            print(f"cloud: FAIL: {msg}", file=sys.stderr)
        print(f"cloud: {len(c.failures)} failed, {c.passed} passed", file=sys.stderr)
        return 1
    print(f"cloud: {c.passed} checks passed ({len(cfg['files'])} .tf files in {tf_dir})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
