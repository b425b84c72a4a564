from mijnoverheid.runtime import run
from zgw_connector.app import compose
from zgw_connector.settings import ConnectorSettings


def main() -> None:
    run(compose, ConnectorSettings)


if __name__ == "__main__":
    main()
