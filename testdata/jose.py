"""Keys, JWKs, signatures, tokens and Cognito claims for testdata/generate.py (run: make testdata).

Keys are generated once into keys/*.pem and reused, so RS256 tokens are reproducible.
"""
import base64, hashlib, hmac, json, os, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = 1_700_000_000
POOL = "us-east-1_TestPool1"
POOL2 = "eu-west-1_SecondPool"
CLIENT = "3n4b5urk1ft4fl3mg5e62d9ado"
CLIENT2 = "7q1lo2mfbqg5r0e8u4q8p3g6c2"
ISS = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
ISS2 = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL2}"


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def uint(i, n=None):
    n = n or (i.bit_length() + 7) // 8
    return i.to_bytes(n, "big")


def load_key(name, make):
    path = os.path.join(HERE, "keys", name + ".pem")
    if os.path.exists(path):
        with open(path, "rb") as f:
            return serialization.load_pem_private_key(f.read(), None)
    k = make()
    with open(path, "wb") as f:
        f.write(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()))
    return k


def rsa_key(name, bits, e=65537):
    return load_key(name, lambda: rsa.generate_private_key(e, bits))


KA = rsa_key("rsa2048_a", 2048)
KB = rsa_key("rsa2048_b", 2048)
K3072 = rsa_key("rsa3072", 3072)
K4096 = rsa_key("rsa4096", 4096)
KWEAK = rsa_key("rsa1024", 1024)
KE3 = rsa_key("rsa2048_e3", 2048, 3)
KFOREIGN = rsa_key("rsa2048_foreign", 2048)
KPOOL2 = rsa_key("rsa2048_pool2", 2048)
KEC = load_key("p256", lambda: ec.generate_private_key(ec.SECP256R1()))
KEC384 = load_key("p384", lambda: ec.generate_private_key(ec.SECP384R1()))


def rsa_jwk(k, kid, **extra):
    pub = k.public_key().public_numbers()
    d = {"alg": "RS256", "e": b64(uint(pub.e)), "kid": kid, "kty": "RSA", "n": b64(uint(pub.n)), "use": "sig"}
    d.update(extra)
    return {k2: v for k2, v in d.items() if v is not None}


def ec_jwk(k, kid, crv="P-256", alg="ES256"):
    pub = k.public_key().public_numbers()
    size = (k.curve.key_size + 7) // 8
    return {"kty": "EC", "crv": crv, "kid": kid, "alg": alg, "use": "sig",
            "x": b64(uint(pub.x, size)), "y": b64(uint(pub.y, size))}


JWK_A = rsa_jwk(KA, "kA")
JWK_B = rsa_jwk(KB, "kB")
JWKS = {"keys": [JWK_A, JWK_B]}
JWKS_BIG = {"keys": [JWK_A, rsa_jwk(K3072, "k3072"), rsa_jwk(K4096, "k4096")]}
JWKS_EC = {"keys": [JWK_A, ec_jwk(KEC, "kEC")]}
JWKS_TWO_POOLS = {"keys": [JWK_A, rsa_jwk(KPOOL2, "kP2")]}


def sign_rs256(key, signing_input):
    return key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())


def sign_es256(key, signing_input):
    der = key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
    r, s = utils.decode_dss_signature(der)
    return uint(r, 32) + uint(s, 32)


def seg(obj):
    if isinstance(obj, (bytes, bytearray)):
        return b64(obj)
    if isinstance(obj, str):
        return b64(obj.encode())
    return b64(json.dumps(obj, separators=(",", ":")).encode())


def token(payload, header=None, key=KA, kid="kA", alg="RS256", signer=None, raw_header=None,
          raw_payload=None):
    if header is None:
        header = {"kid": kid, "alg": alg}
    h = raw_header if raw_header is not None else seg(header)
    p = raw_payload if raw_payload is not None else seg(payload)
    si = f"{h}.{p}".encode()
    sig = (signer or sign_rs256)(key, si) if key is not None else b""
    return f"{h}.{p}.{b64(sig)}"


def id_claims(**over):
    c = {
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "cognito:groups": ["admin", "users"],
        "email_verified": True,
        "iss": ISS,
        "cognito:username": "alice",
        "origin_jti": "11111111-2222-3333-4444-555555555555",
        "aud": CLIENT,
        "event_id": "66666666-7777-8888-9999-000000000000",
        "token_use": "id",
        "auth_time": NOW - 60,
        "exp": NOW + 3540,
        "iat": NOW - 60,
        "jti": "abcdefab-1234-5678-9abc-def012345678",
        "email": "alice@example.com",
    }
    return apply(c, over)


def access_claims(**over):
    c = {
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "cognito:groups": ["admin", "users"],
        "iss": ISS,
        "client_id": CLIENT,
        "origin_jti": "11111111-2222-3333-4444-555555555555",
        "event_id": "66666666-7777-8888-9999-000000000000",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin openid email",
        "auth_time": NOW - 60,
        "exp": NOW + 3540,
        "iat": NOW - 60,
        "jti": "fedcba98-1234-5678-9abc-def012345678",
        "username": "alice",
        "version": 2,
    }
    return apply(c, over)


DROP = object()


def apply(c, over):
    for k, v in over.items():
        k = k.replace("__", ":")
        if v is DROP:
            c.pop(k, None)
        else:
            c[k] = v
    return c


def config(**over):
    c = {"user_pool_ids": [POOL], "issuers": [], "client_ids": [CLIENT], "token_use": "any", "leeway": 0,
         "max_age": None, "groups": None, "scopes": None, "allow_es256": False}
    c.update(over)
    return c
