"""EU VAT numbers with correct check digits, computed here (no python-stdnum).

Each country has a generator of the compact number without its country prefix and a
validator; the tests hold both against python-stdnum. ``typed`` renders a number the
way customers type it: with or without prefix, with spaces or dots.
"""

import random
from collections.abc import Callable


def _digits(rng: random.Random, count: int, first: str = "0123456789") -> str:
    return rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(count - 1))


def luhn_checksum(number: str) -> int:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10


def _mod_11_10(number: str) -> int:
    check = 5
    for char in number:
        check = (((check or 10) * 2) % 11 + int(char)) % 10
    return check


def _weighted(number: str, weights: tuple[int, ...]) -> int:
    return sum(w * int(d) for w, d in zip(weights, number, strict=False))


def _valid_be(n: str) -> bool:
    return len(n) == 10 and n.isdigit() and n[0] in "01" and (int(n[:8]) + int(n[8:])) % 97 == 0


def _make_be(rng: random.Random) -> str:
    body = _digits(rng, 8, "01")
    if int(body) == 0:
        body = "01" + body[2:]
    return body + f"{97 - int(body) % 97:02d}"


def _nl_mod97(n: str) -> bool:
    converted = "".join(str(int(c, 36)) for c in "NL" + n)
    return int(converted) % 97 == 1


def _valid_nl(n: str) -> bool:
    if len(n) != 12 or not n[:9].isdigit() or n[9] != "B" or not n[10:].isdigit():
        return False
    if int(n[:9]) == 0 or int(n[10:]) == 0:
        return False
    eleven = (_weighted(n[:8], (9, 8, 7, 6, 5, 4, 3, 2)) - int(n[8])) % 11 == 0
    return eleven or _nl_mod97(n)


def _make_nl(rng: random.Random) -> str:
    while True:
        body = _digits(rng, 8, "123456789")
        check = _weighted(body, (9, 8, 7, 6, 5, 4, 3, 2)) % 11
        if check < 10:
            return f"{body}{check}B{rng.randint(1, 3):02d}"


def _valid_de(n: str) -> bool:
    return len(n) == 9 and n.isdigit() and n[0] != "0" and _mod_11_10(n) == 1


def _make_de(rng: random.Random) -> str:
    body = _digits(rng, 8, "123456789")
    check = (1 - ((_mod_11_10(body) or 10) * 2) % 11) % 10
    return body + str(check)


def _valid_fr(n: str) -> bool:
    if len(n) != 11 or not n.isdigit():
        return False
    siren = n[2:]
    return luhn_checksum(siren) == 0 and int(n[:2]) == int(siren + "12") % 97


def _make_fr(rng: random.Random) -> str:
    body = _digits(rng, 8, "3456789")
    siren = body + str((10 - luhn_checksum(body + "0")) % 10)
    return f"{int(siren + '12') % 97:02d}{siren}"


def _valid_it(n: str) -> bool:
    if len(n) != 11 or not n.isdigit() or int(n[:7]) == 0:
        return False
    return "001" <= n[7:10] <= "100" and luhn_checksum(n) == 0


def _make_it(rng: random.Random) -> str:
    body = _digits(rng, 7, "0123") + f"{rng.randint(1, 100):03d}"
    if int(body[:7]) == 0:
        body = "1" + body[1:]
    return body + str((10 - luhn_checksum(body + "0")) % 10)


def _valid_at(n: str) -> bool:
    if len(n) != 9 or n[0] != "U" or not n[1:].isdigit():
        return False
    return str((6 - luhn_checksum(n[1:8])) % 10) == n[8]


def _make_at(rng: random.Random) -> str:
    body = _digits(rng, 7, "123456")
    return f"U{body}{(6 - luhn_checksum(body)) % 10}"


def _valid_dk(n: str) -> bool:
    weights = (2, 7, 6, 5, 4, 3, 2, 1)
    return len(n) == 8 and n.isdigit() and n[0] != "0" and _weighted(n, weights) % 11 == 0


def _make_dk(rng: random.Random) -> str:
    return _search(rng, lambda: _digits(rng, 7, "123456789"), _valid_dk)


def _valid_pl(n: str) -> bool:
    if len(n) != 10 or not n.isdigit():
        return False
    return _weighted(n[:9], (6, 5, 7, 2, 3, 4, 5, 6, 7)) % 11 == int(n[9])


def _make_pl(rng: random.Random) -> str:
    return _search(rng, lambda: _digits(rng, 9, "123456789"), _valid_pl)


def _valid_lu(n: str) -> bool:
    return len(n) == 8 and n.isdigit() and f"{int(n[:6]) % 89:02d}" == n[6:]


def _make_lu(rng: random.Random) -> str:
    body = _digits(rng, 6, "123456789")
    return body + f"{int(body) % 89:02d}"


def _valid_se(n: str) -> bool:
    return len(n) == 12 and n.isdigit() and n[10:] == "01" and luhn_checksum(n[:10]) == 0


def _make_se(rng: random.Random) -> str:
    body = "55" + _digits(rng, 7)
    return body + str((10 - luhn_checksum(body + "0")) % 10) + "01"


def _valid_fi(n: str) -> bool:
    weights = (7, 9, 10, 5, 8, 4, 2, 1)
    return len(n) == 8 and n.isdigit() and _weighted(n, weights) % 11 == 0


def _make_fi(rng: random.Random) -> str:
    return _search(rng, lambda: _digits(rng, 7, "0123"), _valid_fi)


def _valid_pt(n: str) -> bool:
    if len(n) != 9 or not n.isdigit() or n[0] == "0":
        return False
    total = sum((9 - i) * int(d) for i, d in enumerate(n[:8]))
    return str((11 - total) % 11 % 10) == n[8]


def _make_pt(rng: random.Random) -> str:
    return _search(rng, lambda: _digits(rng, 8, "5"), _valid_pt)


def _search(rng: random.Random, body: Callable[[], str], valid: Callable[[str], bool]) -> str:
    """Append the one check digit that makes the number valid (some bodies have none)."""
    while True:
        stem = body()
        for digit in "0123456789":
            if valid(stem + digit):
                return stem + digit


_RULES: dict[str, tuple[Callable[[random.Random], str], Callable[[str], bool]]] = {
    "AT": (_make_at, _valid_at),
    "BE": (_make_be, _valid_be),
    "DE": (_make_de, _valid_de),
    "DK": (_make_dk, _valid_dk),
    "FI": (_make_fi, _valid_fi),
    "FR": (_make_fr, _valid_fr),
    "IT": (_make_it, _valid_it),
    "LU": (_make_lu, _valid_lu),
    "NL": (_make_nl, _valid_nl),
    "PL": (_make_pl, _valid_pl),
    "PT": (_make_pt, _valid_pt),
    "SE": (_make_se, _valid_se),
}
VAT_COUNTRIES = tuple(_RULES)
# Countries whose numbers customers (and python-stdnum) also write with dots.
_DOTTED = {"BE", "NL", "DE", "FR", "DK", "LU", "SE", "PT", "AT"}


def make_vat_number(country: str, rng: random.Random) -> str:
    """A valid compact VAT number of ``country`` without its prefix."""
    return _RULES[country][0](rng)


def is_valid_vat_number(country: str, compact: str) -> bool:
    return _RULES[country][1](compact)


def break_vat_number(country: str, compact: str, rng: random.Random) -> str:
    """The same number with one check digit changed so that it no longer validates."""
    index = len(compact) - 1 if compact[-1].isdigit() else 8
    if country == "NL":
        index = 8
    elif country == "SE":
        index = 9
    while True:
        digit = rng.choice([d for d in "0123456789" if d != compact[index]])
        broken = compact[:index] + digit + compact[index + 1 :]
        if not is_valid_vat_number(country, broken):
            return broken


def typed(country: str, compact: str, rng: random.Random) -> str:
    """How a customer might type it; every form keeps the same compact number."""
    forms = [
        f"{country}{compact}",
        compact,
        f"{country} {compact}",
        f"{country.lower()}{compact}",
        f"{country} " + " ".join(compact[i : i + 3] for i in range(0, len(compact), 3)),
    ]
    if country in _DOTTED:
        if country == "BE":
            forms.append(f"{compact[:4]}.{compact[4:7]}.{compact[7:]}")
            forms.append(f"BE {compact[:4]}.{compact[4:7]}.{compact[7:]}")
        else:
            forms.append(f"{country}" + ".".join(compact[i : i + 3] for i in range(0, 9, 3)))
            forms[-1] += compact[9:]
    return rng.choice(forms)
