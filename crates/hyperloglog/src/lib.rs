//! HyperLogLog in Redis representation. Work in progress.
