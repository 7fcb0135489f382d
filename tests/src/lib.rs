//! Black-box tests live in tests/blackbox; this library is empty.
