"""`python -m portal.devkeys`: create the portal's development keys in .local/portal/ (if
missing) and print the public token key's path, for `make run` to hand to the services."""

from __future__ import annotations

from portal import keys
from portal.settings import LOCAL


def main() -> None:
    keys.oidc_client_key(LOCAL / "oidc-client.jwk.json", generate=True)
    signing = LOCAL / "token-signing.key"
    keys.token_signing_key(signing, generate=True)
    print(keys.public_pem_path(signing))


if __name__ == "__main__":
    main()
