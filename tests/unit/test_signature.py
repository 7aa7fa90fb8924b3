import hashlib
import hmac

from ingest.signature import sign, signature_matches, timestamp_skew


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(b"s3cret", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert sign("s3cret", "1700000000", b"{}") == f"sha256={expected}"


def test_matching_and_mismatching_signatures() -> None:
    header = sign("s3cret", "1700000000", b'{"a":1}')
    assert signature_matches("s3cret", "1700000000", b'{"a":1}', header)
    assert not signature_matches("other", "1700000000", b'{"a":1}', header)
    assert not signature_matches("s3cret", "1700000001", b'{"a":1}', header)
    assert not signature_matches("s3cret", "1700000000", b'{"a":2}', header)
    assert not signature_matches("s3cret", "1700000000", b'{"a":1}', header.upper())
    assert not signature_matches("s3cret", "1700000000", b'{"a":1}', "")


def test_timestamp_skew() -> None:
    assert timestamp_skew("1000", 1300.0) == 300
    assert timestamp_skew("1300", 1000.0) == 300
    assert timestamp_skew("-5", 1000.0) is None
    assert timestamp_skew("12.5", 1000.0) is None
    assert timestamp_skew("9" * 30, 1000.0) is None
