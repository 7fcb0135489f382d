//! The `tessera-tests` package holds black-box tests only: `tests/blackbox/` starts real
//! `tessera-server` and `redis-server` processes and drives them over TCP. This library is
//! empty; the shared machinery is the `tessera-test-harness` crate.
