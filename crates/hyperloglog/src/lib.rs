//! HyperLogLog and bitmaps over Redis strings. Work in progress.
