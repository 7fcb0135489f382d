//! Large sorted sets. Work in progress.
