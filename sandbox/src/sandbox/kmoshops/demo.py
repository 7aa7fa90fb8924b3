from sandbox.kmoshops.state import KmoShopsState

DEMO_SHOP_ID = 1234
DEMO_TOKEN = "demo-kmo-token"


def seed_demo(state: KmoShopsState, *, orders: int = 25, seed: int = 1234) -> None:
    """The demo shop of API.md with a realistic day of orders."""
    state.create_shop(
        DEMO_SHOP_ID,
        "Fietsen Peeters",
        "BE",
        "EUR",
        "Europe/Brussels",
        tokens=[DEMO_TOKEN],
    )
    state.generate(DEMO_SHOP_ID, seed, orders)
