//! Bit operations over Redis strings. Work in progress.
